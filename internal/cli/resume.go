package cli

import (
	"fmt"

	"github.com/neurona/neurona/train"
	"github.com/neurona/neurona/train/checkpoint"
)

// resumable are the flags a resumed run may change; every other flag given
// again must repeat the checkpoint's value.
var resumable = map[string]func(dst *train.Config, src train.Config){
	"epochs":           func(d *train.Config, s train.Config) { d.Epochs = s.Epochs },
	"patience":         func(d *train.Config, s train.Config) { d.Patience = s.Patience },
	"tol":              func(d *train.Config, s train.Config) { d.Tol = s.Tol },
	"n-iter-no-change": func(d *train.Config, s train.Config) { d.NoChange = s.NoChange },
	"restore-best":     func(d *train.Config, s train.Config) { d.RestoreBest = s.RestoreBest },
	"no-restore-best":  func(d *train.Config, s train.Config) { d.RestoreBest = s.RestoreBest },
	"save-every":       func(d *train.Config, s train.Config) { d.SaveEvery = s.SaveEvery },
	"save-every-epoch": func(d *train.Config, s train.Config) { d.SaveEveryEpoch = s.SaveEveryEpoch },
	"keep-last":        func(d *train.Config, s train.Config) { d.KeepLast = s.KeepLast },
	"keep-best":        func(d *train.Config, s train.Config) { d.KeepBest = s.KeepBest },
}

// notConfig are flags that do not describe the run at all.
var notConfig = map[string]bool{"resume": true, "backend": true, "progress": true, "data-dir": true, "download": true,
	"data-on-device": true}

// resumeFrom finds the checkpoint to resume and replaces o.cfg by its saved
// configuration, with the resumable flags given applied. A flag that would
// change the model, the data or the optimization is a usage error.
func resumeFrom(o *trainOptions, e *env) (*checkpoint.Checkpoint, error) {
	c, skipped, err := train.ResolveCheckpoint(o.resume)
	for _, s := range skipped {
		fmt.Fprintf(e.stderr, "neurona train: skipping an invalid checkpoint: %s\n", oneLine(s.Error()))
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
		if apply, ok := resumable[name]; ok {
			apply(&merged, o.cfg)
			continue
		}
		if notConfig[name] {
			continue
		}
		// Any other flag must agree with the checkpoint: compare the whole
		// configuration it maps to, before and after applying it.
		probe := saved
		if err := applyFlag(&probe, o.cfg, name); err != nil {
			return nil, err
		}
		if fmt.Sprintf("%+v", probe) != fmt.Sprintf("%+v", saved) {
			return nil, usagef("--%s conflicts with the checkpoint %s, which was trained with %s (a resumed run keeps its configuration; "+
				"it may change only --epochs, --patience, --tol, --n-iter-no-change, --restore-best, --save-every, --save-every-epoch, "+
				"--keep-last, --keep-best, --backend and --progress)", name, c.Dir, describe(saved))
		}
	}
	if merged.Epochs != saved.Epochs {
		note := ""
		if merged.Schedule == "cosine" {
			note = "; the cosine schedule now decays over the new total, so the learning rate from here on differs from the original plan"
		}
		fmt.Fprintf(e.stdout, "epochs   %d instead of the %d the run was started with%s\n", merged.Epochs, saved.Epochs, note)
	}
	merged.Backend, merged.Progress = o.cfg.Backend, o.cfg.Progress
	if err := merged.Validate(); err != nil {
		return nil, usagef("%s", trimSentinel(err))
	}
	o.cfg = merged
	return c, nil
}

// applyFlag copies the configuration field(s) flag name sets from src.
func applyFlag(dst *train.Config, src train.Config, name string) error {
	switch name {
	case "model":
		dst.Model.Name = src.Model.Name
	case "hidden":
		dst.Model.Hidden = src.Model.Hidden
	case "activation":
		dst.Model.Activation = src.Model.Activation
	case "maxout-pieces":
		dst.Model.MaxoutPieces = src.Model.MaxoutPieces
	case "loss":
		dst.Model.Loss = src.Model.Loss
	case "optimizer":
		dst.Optimizer = src.Optimizer
	case "lr":
		dst.LR = src.LR
	case "momentum":
		dst.Momentum = src.Momentum
	case "weight-decay":
		dst.WeightDecay = src.WeightDecay
	case "schedule":
		dst.Schedule = src.Schedule
	case "batch-size":
		dst.BatchSize = src.BatchSize
	case "seed":
		dst.Seed = src.Seed
	case "val-split":
		dst.ValSplit = src.ValSplit
	case "steps-per-call":
		dst.StepsPerCall = src.StepsPerCall
	case "drop-last":
		dst.DropLast = src.DropLast
	default:
		return usagef("--%s cannot be combined with --resume", name)
	}
	return nil
}

func describe(c train.Config) string {
	return fmt.Sprintf("%s, %s lr %g, %s schedule, batch %d, seed %d, val-split %g, %d steps per call",
		c.Model, c.Optimizer, c.LR, c.Schedule, c.BatchSize, c.Seed, c.ValSplit, c.StepsPerCall)
}
