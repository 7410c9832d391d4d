package cli

import (
	"fmt"
	"strconv"

	"github.com/neurona/neurona/internal/human"
	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train"
	"github.com/spf13/pflag"
)

// configFlag is a `neurona train` flag that sets part of the run's
// configuration: copy moves that part from the flags' config to another,
// get reads it from a (validated) configuration, ok false where the flag
// does not apply to the model (--hidden for the perceptron).
type configFlag struct {
	copy func(dst *train.Config, src train.Config)
	get  func(c train.Config) (value any, ok bool)
	// resumable flags may differ from the checkpoint's configuration on
	// --resume; every other one must repeat the saved value.
	resumable bool
}

func always(v any) (any, bool) { return v, true }

func mlpOnly(c train.Config, v any) (any, bool) { return v, c.Model.Name == models.MLP }

// configFlags is the one map from train's flags to configuration fields,
// used to apply the flags given over a model's defaults, to check them
// against a resumed checkpoint, and to write the configuration out
// (--print-config, config.yaml).
var configFlags = map[string]configFlag{
	"model": {copy: func(d *train.Config, s train.Config) { d.Model.Name = s.Model.Name },
		get: func(c train.Config) (any, bool) { return always(c.Model.Name) }},
	"hidden": {copy: func(d *train.Config, s train.Config) { d.Model.Hidden = s.Model.Hidden },
		get: func(c train.Config) (any, bool) { return mlpOnly(c, append([]int{}, c.Model.Hidden...)) }},
	"activation": {copy: func(d *train.Config, s train.Config) { d.Model.Activation = s.Model.Activation },
		get: func(c train.Config) (any, bool) { return mlpOnly(c, c.Model.Activation) }},
	"maxout-pieces": {copy: func(d *train.Config, s train.Config) { d.Model.MaxoutPieces = s.Model.MaxoutPieces },
		get: func(c train.Config) (any, bool) { return c.Model.MaxoutPieces, c.Model.Activation == "maxout" }},
	"loss": {copy: func(d *train.Config, s train.Config) { d.Model.Loss = s.Model.Loss },
		get: func(c train.Config) (any, bool) { return mlpOnly(c, c.Model.Loss) }},
	"optimizer": {copy: func(d *train.Config, s train.Config) { d.Optimizer = s.Optimizer },
		get: func(c train.Config) (any, bool) { return always(c.Optimizer) }},
	"lr": {copy: func(d *train.Config, s train.Config) { d.LR = s.LR },
		get: func(c train.Config) (any, bool) { return always(c.LR) }},
	"momentum": {copy: func(d *train.Config, s train.Config) { d.Momentum = s.Momentum },
		get: func(c train.Config) (any, bool) { return c.Momentum, c.Optimizer == "sgd" }},
	"weight-decay": {copy: func(d *train.Config, s train.Config) { d.WeightDecay = s.WeightDecay },
		get: func(c train.Config) (any, bool) { return c.WeightDecay, c.Optimizer != "sgd" }},
	"schedule": {copy: func(d *train.Config, s train.Config) { d.Schedule = s.Schedule },
		get: func(c train.Config) (any, bool) { return always(c.Schedule) }},
	// Deprecated and ignored (see train's --autodiff): sets nothing, never
	// written, and so never conflicts with a resumed checkpoint.
	"autodiff": {copy: func(*train.Config, train.Config) {}, resumable: true,
		get: func(train.Config) (any, bool) { return nil, false }},
	"warmup": {copy: func(d *train.Config, s train.Config) { d.Warmup = s.Warmup },
		get: func(c train.Config) (any, bool) { return always(c.Warmup) }},
	"average": {copy: func(d *train.Config, s train.Config) { d.Average = s.Average },
		get: func(c train.Config) (any, bool) { return c.Average, c.Model.Name == models.Perceptron }},
	"batch-size": {copy: func(d *train.Config, s train.Config) { d.BatchSize = s.BatchSize },
		get: func(c train.Config) (any, bool) { return always(c.BatchSize) }},
	"seed": {copy: func(d *train.Config, s train.Config) { d.Seed = s.Seed },
		get: func(c train.Config) (any, bool) { return always(c.Seed) }},
	"val-split": {copy: func(d *train.Config, s train.Config) { d.ValSplit = s.ValSplit },
		get: func(c train.Config) (any, bool) { return always(c.ValSplit) }},
	"steps-per-call": {copy: func(d *train.Config, s train.Config) { d.StepsPerCall = s.StepsPerCall }, resumable: true,
		get: func(c train.Config) (any, bool) { return always(c.StepsPerCall) }},
	"loop": {copy: func(d *train.Config, s train.Config) { d.Loop = s.Loop }, resumable: true,
		get: func(c train.Config) (any, bool) { return c.Loop, c.Loop != "" }},
	"drop-last": {copy: func(d *train.Config, s train.Config) { d.DropLast = s.DropLast },
		get: func(c train.Config) (any, bool) { return always(c.DropLast) }},
	"epochs": {copy: func(d *train.Config, s train.Config) { d.Epochs = s.Epochs }, resumable: true,
		get: func(c train.Config) (any, bool) { return always(c.Epochs) }},
	"patience": {copy: func(d *train.Config, s train.Config) { d.Patience = s.Patience }, resumable: true,
		get: func(c train.Config) (any, bool) { return always(c.Patience) }},
	"early-stop-monitor": {copy: func(d *train.Config, s train.Config) { d.EarlyStopMonitor = s.EarlyStopMonitor }, resumable: true,
		get: func(c train.Config) (any, bool) { return always(c.EarlyStopMonitor) }},
	"early-stop-min-delta": {copy: func(d *train.Config, s train.Config) { d.EarlyStopMinDelta = s.EarlyStopMinDelta }, resumable: true,
		get: func(c train.Config) (any, bool) { return always(c.EarlyStopMinDelta) }},
	"tol": {copy: func(d *train.Config, s train.Config) { d.Tol = s.Tol }, resumable: true,
		get: func(c train.Config) (any, bool) { return always(c.Tol) }},
	"n-iter-no-change": {copy: func(d *train.Config, s train.Config) { d.NoChange = s.NoChange }, resumable: true,
		get: func(c train.Config) (any, bool) { return always(c.NoChange) }},
	"restore-best": {copy: func(d *train.Config, s train.Config) { d.RestoreBest = s.RestoreBest }, resumable: true,
		get: func(c train.Config) (any, bool) { return always(c.RestoreBest) }},
	"log-every": {copy: func(d *train.Config, s train.Config) { d.LogEvery = s.LogEvery }, resumable: true,
		get: func(c train.Config) (any, bool) { return always(c.LogEvery) }},
	"save-every": {copy: func(d *train.Config, s train.Config) { d.SaveEvery = s.SaveEvery }, resumable: true,
		get: func(c train.Config) (any, bool) { return always(c.SaveEvery) }},
	"save-every-epoch": {copy: func(d *train.Config, s train.Config) { d.SaveEveryEpoch = s.SaveEveryEpoch }, resumable: true,
		get: func(c train.Config) (any, bool) { return always(c.SaveEveryEpoch) }},
	"keep-last": {copy: func(d *train.Config, s train.Config) { d.KeepLast = s.KeepLast }, resumable: true,
		get: func(c train.Config) (any, bool) { return always(c.KeepLast) }},
	"keep-best": {copy: func(d *train.Config, s train.Config) { d.KeepBest = s.KeepBest }, resumable: true,
		get: func(c train.Config) (any, bool) { return always(c.KeepBest) }},
}

// notWritten are train's flags that a configuration written out leaves
// out: they say what to do with one, not what to train.
var notWritten = map[string]bool{"config": true, "print-config": true, "resume": true, "help": true}

// effectiveConfig is the configuration o trains with, one item per flag
// in the order of train's help: the model's defaults with the flags and
// --config applied. Flags that do not apply to the model are left out, so
// are optional strings not given, and the run folder unless withRunDir
// and given (config.yaml must not send a second run into the first's).
func (o *trainOptions) effectiveConfig(withRunDir bool) []configItem {
	var items []configItem
	o.flags.VisitAll(func(f *pflag.Flag) {
		if f.Hidden || notWritten[f.Name] || (f.Name == "run-dir" && (!withRunDir || !o.set["run-dir"])) {
			return
		}
		if cf, ok := configFlags[f.Name]; ok {
			if v, ok := cf.get(o.cfg); ok {
				items = append(items, configItem{f.Name, v})
			}
			return
		}
		s := f.Value.String()
		switch f.Value.Type() {
		case "bool":
			b, _ := strconv.ParseBool(s)
			items = append(items, configItem{f.Name, b})
		case "string":
			if s != "" {
				items = append(items, configItem{f.Name, s})
			}
		default:
			items = append(items, configItem{f.Name, s})
		}
	})
	return items
}

// configPath is --config's value: one file. pflag lets a string flag
// given again replace its first value, which would drop the first file's
// settings without a word; a second --config is refused instead (merging
// files would make "which file set this?" a question of order).
type configPath struct {
	path *string
	set  bool
}

func (c *configPath) String() string {
	if c.path == nil {
		return ""
	}
	return *c.path
}

func (c *configPath) Set(v string) error {
	if c.set {
		return fmt.Errorf("a second config file (the first: %s); give one --config, and flags on the command line to override it", human.Quote(*c.path))
	}
	*c.path, c.set = v, true
	return nil
}

func (c *configPath) Type() string { return "string" }
