package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/neurona/neurona/data"
	"github.com/neurona/neurona/internal/field"
	"github.com/neurona/neurona/internal/human"
	"github.com/neurona/neurona/internal/viz"
	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train"
	"github.com/neurona/neurona/train/checkpoint"
	"github.com/neurona/neurona/train/config"
	"github.com/neurona/neurona/train/runfolder"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// trainOptions is what `neurona train` was asked to do.
type trainOptions struct {
	cfg      config.Config
	data     data.LocateOptions
	progress string
	resume   string              // --resume: a run or checkpoint folder
	seeds    []uint64            // --seeds: one run per seed, trained as a group (seeds.go)
	newGroup func(n int) runFunc // nil: train.NewGroup(n).Run (tests count the members)
	onDevice string              // --data-on-device: auto, on, off
	cache    bool                // --compile-cache
	classes  string              // --classes
	set      map[string]bool     // the flags given explicitly, on the command line or in --config

	// The flags' raw values, read into cfg and data by finish.
	noRestoreBest bool   // --no-restore-best, the old spelling of --restore-best=false
	seedsText     string // --seeds
	download      bool

	configFile  string            // --config
	printConfig string            // --print-config: "", auto, yaml or json
	sources     map[string]string // flag name -> "FILE:LINE" where --config set it
	flags       *pflag.FlagSet    // train's flags, for --print-config and config.yaml
}

const trainLong = `Trains one model on MNIST or on your data in MNIST's format, tests it once at the end, and writes a
run folder: metrics.jsonl, summary.json, config.yaml, checkpoints and pictures. Flags not given take
the chosen model's defaults, the fastest recipes to their accuracy measured on the Go backend (the
perceptron's: averaged, batch 32, 2 epochs). --config FILE sets any flag from a YAML or JSON file;
flags on the command line win.`

// retiredFlags are train's flags that do nothing any more but that config
// files written by earlier versions name: such a file still loads (the
// value is checked as the flag's) and the key changes nothing.
var retiredFlags = map[string]bool{"autodiff": true}

// newCmdTrain builds `neurona train`. Its flags fill trainOptions; runF,
// if not nil, runs instead of trainRun (tests capture the options).
func newCmdTrain(e *env, runF func(*trainOptions) error) *cobra.Command {
	o := &trainOptions{}
	cmd := &cobra.Command{
		Use:   "train",
		Short: "train a model on MNIST or your data and write a run folder (resume one with --resume)",
		Long:  trainLong,
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.finish(e, cmd.Flags()); err != nil {
				return err
			}
			warnDeprecated(e, cmd)
			if runF != nil {
				return runF(o)
			}
			return trainRun(e, o)
		},
	}
	defineTrainFlags(cmd.Flags(), o)
	deprecatedAlias(cmd, "no-restore-best", "--restore-best=false")
	completeModelFlags(cmd)
	completeWords(cmd, "progress", "auto", "always", "never")
	completeWords(cmd, "print-config", "yaml", "json")
	if err := cmd.MarkFlagFilename("config", "yaml", "yml", "json"); err != nil {
		panic(err)
	}
	completeFolders(cmd, "resume")
	return cmd
}

// finish reads the flags (and --config) into o: flags not given take the
// chosen model's defaults (config.Defaults), so `--model perceptron` alone
// gives scikit-learn's Perceptron settings.
func (o *trainOptions) finish(e *env, fs *pflag.FlagSet) error {
	if o.configFile != "" {
		format, entries, err := readConfigFile(o.configFile)
		if err != nil {
			return err
		}
		if o.sources, err = applyConfig(fs, o.configFile, entries, trainConfigKey); err != nil {
			return err
		}
		if o.printConfig == "auto" {
			o.printConfig = format
		}
	}
	switch o.printConfig {
	case "", "yaml", "json":
	case "auto":
		o.printConfig = "yaml"
	default:
		return usagef("--print-config=%s (accepted: yaml, json)", o.printConfig)
	}
	c := &o.cfg
	set := map[string]bool{}
	fs.Visit(func(f *pflag.Flag) { set[f.Name] = true })
	if set["print-config"] && set["resume"] {
		return usagef("--print-config shows a new run's configuration; a resumed run keeps its checkpoint's (see `neurona checkpoints inspect %s`)", o.resume)
	}
	if set["seeds"] {
		if err := o.checkSeeds(set); err != nil {
			return err
		}
	}
	if set["no-restore-best"] {
		if set["restore-best"] {
			return usagef("--restore-best and --no-restore-best: give one (--no-restore-best is the old spelling of --restore-best=false)")
		}
		c.RestoreBest = !o.noRestoreBest
		delete(set, "no-restore-best")
		set["restore-best"] = true
	}
	def := config.Defaults(c.Model.Name)
	applyGiven(&def, *c, set)
	if err := checkApplies(def, set); err != nil {
		return o.settingError(err)
	}
	if def.ValSplit == 0 && !set["restore-best"] {
		def.RestoreBest = false // nothing to choose the best epoch by
	}
	if err := checkBackend(e, c.Backend); err != nil {
		return err
	}
	def.Backend, def.RunDir = c.Backend, c.RunDir
	if o.onDevice != "auto" && o.onDevice != "on" && o.onDevice != "off" {
		return o.usage("data-on-device", fmt.Sprintf("--data-on-device %q (accepted: auto, on, off)", o.onDevice))
	}
	switch o.progress {
	case "auto":
		def.Progress = isTerminal(e.stdout)
	case "always":
		def.Progress = true
	case "never":
		def.Progress = false
	default:
		return o.usage("progress", fmt.Sprintf("--progress %q (accepted: auto, always, never)", o.progress))
	}
	if _, err := parseClasses(o.classes); err != nil {
		return err
	}
	o.cfg = def
	o.set = set
	o.data.Download = o.download
	o.data.Getenv = e.getenv
	o.data.Logf = e.logf
	if o.resume != "" {
		if set["run-dir"] {
			return usagef("--run-dir and --resume: a resumed run continues in its own run folder")
		}
		return nil // validated once merged with the checkpoint's configuration
	}
	if c.RunDir != "" {
		if err := needNewFolder("--run-dir", c.RunDir); err != nil {
			return err
		}
	}
	if err := o.cfg.Validate(); err != nil {
		return o.settingError(err)
	}
	if err := train.CheckMemory(o.cfg); err != nil {
		var me *train.MemoryError
		if errors.As(err, &me) {
			return usagef("%s; use fewer or narrower layers (--hidden) or a smaller --batch-size", me.Need())
		}
		return usagef("%v", err)
	}
	// Checked above as for MNIST; train.Run sizes the model by the data
	// actually loaded (its pixels and classes).
	o.cfg.Model.Inputs, o.cfg.Model.Classes = 0, 0
	return nil
}

// usage is a usage error saying msg about the flag key, and where --config
// set it, if it did: "--lr 0 (must be > 0) (set by run.yaml:3)".
func (o *trainOptions) usage(key, msg string) error {
	if where, ok := o.sources[key]; ok {
		return usagef("%s (set by %s)", msg, where)
	}
	return usagef("%s", msg)
}

// settingError says a configuration's error in the command line's words: a
// *field.Error as its flag (and the config file's line that set it), any
// other invalid configuration or model as it is, a usage error either way.
func (o *trainOptions) settingError(err error) error {
	if fe, ok := field.As(err); ok {
		return o.usage(fe.Key, fieldMessage(fe))
	}
	return settingError(err)
}

// settingError is a configuration's error as a usage error: a
// *field.Error as its flag, any other invalid configuration or model as it
// is.
func settingError(err error) error {
	if fe, ok := field.As(err); ok {
		return usagef("%s", fieldMessage(fe))
	}
	if errors.Is(err, models.ErrSpec) || errors.Is(err, config.ErrConfig) {
		return usagef("%v", err)
	}
	return err
}

func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

// trainRun trains as o says, or with --print-config prints the
// configuration it would train with.
func trainRun(e *env, o *trainOptions) error {
	if o.printConfig != "" {
		return writeConfig(e.stdout, o.printConfig, o.effectiveConfig(true))
	}
	if len(o.seeds) > 0 {
		return seedsRun(e, o)
	}
	if o.resume != "" {
		if err := needPath("--resume", o.resume); err != nil {
			return err
		}
	}
	var resumed *checkpoint.Checkpoint
	if o.resume != "" {
		var err error
		if resumed, err = resumeFrom(o, e); errors.Is(err, train.ErrNothingToTrain) {
			return nil
		} else if err != nil {
			return err
		}
	}
	var mnist *data.MNIST
	var err error
	if resumed != nil {
		// A run resumes on the data it was trained on: the folder its
		// checkpoint records, unless --data-dir names another.
		mnist, _, err = trainedData(e, resumed, o.data)
	} else {
		mnist, err = loadMNIST(e, o.data)
	}
	if err != nil {
		return err
	}
	j, err := prepareTrain(e, o, mnist, resumed)
	if err != nil {
		return err
	}
	if _, err := j.train(e.deps.Run); !errors.Is(err, train.ErrNothingToTrain) {
		return err
	}
	return nil
}

// trainJob is one run ready to train: everything that can fail before the
// training itself (its configuration file, its classes) is done, so that a
// group counts only members that will call Run.
type trainJob struct {
	e     *env
	o     *trainOptions
	mnist *data.MNIST
	opts  train.Options
}

// prepareTrain makes the run of o on mnist ready to train, resuming
// resumed if not nil. mnist's classes are set for the run: the caller
// gives each run its own *data.MNIST (the sets may be shared).
func prepareTrain(e *env, o *trainOptions, mnist *data.MNIST, resumed *checkpoint.Checkpoint) (*trainJob, error) {
	opts := e.trainOptions(train.Options{DataOnDevice: o.onDevice, CompileCache: o.compileCache()})
	var saved strings.Builder
	if err := writeConfig(&saved, "yaml", o.effectiveConfig(false)); err != nil {
		return nil, err
	}
	opts.Files = map[string][]byte{configFileName: []byte(saved.String())}
	if resumed != nil {
		opts.Resume = resumed
		// The model was built for the classes it recorded, names included.
		shape, err := train.TrainedShape(opts.Resume)
		if err != nil {
			return nil, err
		}
		mnist.Classes = shape.Classes
	} else if err := nameData(mnist, o.classes); err != nil {
		return nil, err
	}
	return &trainJob{e: e, o: o, mnist: mnist, opts: opts}, nil
}

// train trains the job with run (nil: train.Run) and draws its pictures;
// a run that stops early says on stderr what it kept and how to resume.
// A run with nothing to train is train.ErrNothingToTrain.
func (j *trainJob) train(run runFunc) (*runfolder.Summary, error) {
	e, o := j.e, j.o
	if run == nil {
		run = train.Run
	}
	summary, err := run(e.ctx, o.cfg, j.mnist, j.opts)
	if errors.Is(err, train.ErrNothingToTrain) {
		return nil, err
	}
	if err == nil {
		return summary, drawRun(e, summary, j.mnist)
	}
	if inUse := new(runfolder.RunInUseError); errors.As(err, &inUse) {
		if o.resume != "" {
			return summary, fmt.Errorf("%w; resume it when that process has finished", err)
		}
		return summary, fmt.Errorf("%w; wait for it to finish, or choose another --run-dir", err)
	}
	if summary != nil && summary.RunDir != "" {
		if errors.Is(err, train.ErrDiverged) {
			kept := "no checkpoint was saved before it"
			if summary.LastCheckpoint != "" {
				kept = "kept " + summary.LastCheckpoint + ", the last checkpoint before it"
			}
			fmt.Fprintf(e.stderr, "neurona train: %s; the run's summary is in %s\n", kept, filepath.Join(summary.RunDir, "summary.json"))
			return summary, err
		}
		if summary.LastCheckpoint != "" {
			fmt.Fprintf(e.stderr, "neurona train: saved %s; resume with: neurona train --resume %s\n",
				summary.LastCheckpoint, summary.RunDir)
		} else {
			fmt.Fprintf(e.stderr, "neurona train: partial results in %s\n", summary.RunDir)
		}
	}
	return summary, err
}

// drawRun writes the run's pictures (misclassified digits, confusion
// matrix, curves) from the test evaluation the run ended with.
func drawRun(e *env, s *runfolder.Summary, mnist *data.MNIST) error {
	paths, damaged, err := viz.RunPictures(s.RunDir, mnist.Test, s.Evaluation, mnist.Classes)
	for _, d := range damaged {
		fmt.Fprintf(e.stderr, "neurona train: warning: %s\n", human.Text(d))
	}
	if err != nil {
		return fmt.Errorf("draw the run's pictures: %w", err)
	}
	for i := range paths {
		paths[i] = filepath.Base(paths[i])
	}
	fmt.Fprintf(e.stdout, "pictures %s in %s; `neurona report %s` makes report.html\n", strings.Join(paths, ", "), s.RunDir, s.RunDir)
	return nil
}
