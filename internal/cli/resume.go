package cli

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/neurona/neurona/internal/human"
	"github.com/neurona/neurona/train"
	"github.com/neurona/neurona/train/checkpoint"
	"github.com/neurona/neurona/train/config"
	"github.com/neurona/neurona/train/runfolder"
	"github.com/spf13/pflag"
)

// annotationNotConfig annotates train's flags that do not describe the run
// at all (where the data is, the backend, how to show progress): a resumed
// run takes them as given. The configuration's fields say whether a
// resumed run may change them in their declaration (config.Field.Resume).
const annotationNotConfig = "neurona_not_config"

// setNotConfig annotates the flags names of fs as not describing the run.
func setNotConfig(fs *pflag.FlagSet, names ...string) {
	for _, name := range names {
		if err := fs.SetAnnotation(name, annotationNotConfig, []string{"true"}); err != nil {
			panic(err) // a programming error: the flag is defined just before
		}
	}
}

// notConfig reports whether train's flag name does not describe the run.
func (o *trainOptions) notConfig(name string) bool {
	f := o.flags.Lookup(name)
	return f != nil && len(f.Annotations[annotationNotConfig]) > 0
}

// resumeFrom finds the checkpoint to resume and replaces o.cfg by its saved
// configuration, with the resumable flags given applied. A flag that would
// change the model, the data or the optimization is a usage error. A run
// that would train no further is train.ErrNothingToTrain, said on stdout.
func resumeFrom(o *trainOptions, e *env) (*checkpoint.Checkpoint, error) {
	c, skipped, err := train.ResolveCheckpoint(o.resume)
	for _, s := range skipped {
		fmt.Fprintf(e.stderr, "neurona train: skipping an invalid checkpoint: %s\n", oneLine(s.Error()))
	}
	if nc := new(runfolder.NoCheckpointError); errors.As(err, &nc) {
		return nil, fmt.Errorf("--resume %s: nothing to resume: %w", o.resume, err)
	}
	if err != nil {
		return nil, fmt.Errorf("--resume %s: %w", o.resume, err)
	}
	saved, _, _, _, err := train.ResumeConfig(c)
	if err != nil {
		return nil, err
	}
	merged := saved
	for name := range o.set {
		if o.notConfig(name) {
			continue
		}
		f, ok := config.Lookup(name)
		if !ok {
			return nil, usagef("--%s cannot be combined with --resume", name)
		}
		if f.Resume {
			f.Copy(&merged, o.cfg)
			continue
		}
		// Any other flag must agree with the checkpoint: compare the whole
		// configuration, before and after applying it.
		probe := saved
		f.Copy(&probe, o.cfg)
		if fmt.Sprintf("%+v", probe) != fmt.Sprintf("%+v", saved) {
			return nil, usagef("--%s conflicts with the checkpoint %s, which was trained with %s (a resumed run keeps its configuration; "+
				"it may change only %s)", name, c.Dir, describe(saved), o.changeable())
		}
	}
	if stopped, nothing := train.AlreadyStoppedAt(c, merged.Epochs); nothing {
		// Said first and alone: a run that trains no further loads no
		// data, compiles nothing and leaves its folder as it is.
		fmt.Fprintln(e.stdout, nothingToTrain(stopped))
		return nil, train.ErrNothingToTrain
	}
	if merged.Epochs != saved.Epochs {
		note := ""
		if merged.Schedule == "cosine" {
			note = "; the cosine schedule now decays over the new total, so the learning rate from here on differs from the original plan"
		}
		fmt.Fprintf(e.stdout, "epochs   %d instead of the %d the run was started with%s\n", merged.Epochs, saved.Epochs, note)
	}
	if merged.PrecisionName() != saved.PrecisionName() {
		// Allowed: the weights and the optimizer's state are float32 in
		// both precisions (config.Fields says why).
		fmt.Fprintf(e.stdout, "precision %s instead of the checkpoint's %s: the weights and the optimizer's state stay float32; "+
			"the steps from here on compute in %s, so they round differently from the run's first steps\n",
			merged.PrecisionName(), saved.PrecisionName(), merged.PrecisionName())
	}
	if merged.AutoStepsPerCall && !o.set["steps-per-call"] {
		// Picked for the backend the run started on: pick again for this
		// one (a run from a GPU resumed on the CPU should not run a whole
		// epoch per call). The steps per call do not change the results.
		merged.StepsPerCall = 0
	}
	if merged.AutoShards && !o.set["shards"] {
		// Picked for the machine the run started on: pick again for this
		// one's cores. The run says so when the shards change, since the
		// updates then differ by float rounding.
		merged.Shards = 0
	}
	merged.Backend, merged.Progress = o.cfg.Backend, o.cfg.Progress
	if err := merged.Validate(); err != nil {
		return nil, o.settingError(err)
	}
	o.cfg = merged
	return c, nil
}

// changeable lists the flags a resumed run accepts: the fields declared
// so, and the flags that do not describe the run.
func (o *trainOptions) changeable() string {
	var names []string
	for _, f := range config.Fields {
		if f.Resume {
			names = append(names, "--"+f.Key)
		}
	}
	o.flags.VisitAll(func(f *pflag.Flag) {
		if !f.Hidden && o.notConfig(f.Name) && f.Name != "resume" && f.Name != "config" {
			names = append(names, "--"+f.Name)
		}
	})
	slices.Sort(names)
	return strings.Join(names, ", ")
}

func describe(c config.Config) string {
	return fmt.Sprintf("%s, %s lr %g, %s schedule, batch %d, seed %d, val-split %g, %s per call",
		c.Model, c.Optimizer, c.LR, c.Schedule, c.BatchSize, c.Seed, c.ValSplit, human.Count(c.StepsPerCall, "step"))
}
