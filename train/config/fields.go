package config

import (
	"fmt"
	"slices"
	"strings"

	"github.com/neurona/neurona/models"
)

// Field is one setting of a run's configuration, declared once in Fields.
// Everything else about a setting is derived from its declaration: the
// command line's flag and its help, the config file's key, the written
// configuration (--print-config, a run folder's config.yaml), which
// settings a resumed run may change, which a sweep may vary, the words a
// shell completes, Validate's bounds and docs/configuration.md's table.
type Field struct {
	// Key names the setting in every front end: the flag without its
	// dashes, the config file's key ("batch-size").
	Key string
	// Group is the heading the setting is listed under (Groups).
	Group string
	// Help says what the setting does, in a line. It names another
	// setting as {key}, which each front end spells its way (--key).
	Help string
	// Ptr returns the address of the setting's value in c: a *string,
	// *int, *float64, *bool, *uint64 or *[]int.
	Ptr func(c *Config) any
	// Parse reads a list setting's text ("512,512"); other kinds are read
	// by their type.
	Parse func(text string) (any, error)
	// Words are the values a word setting accepts; Validate refuses others.
	Words []string
	// Optional: a word setting may be "", which the engine reads as its
	// default (a configuration saved before the setting existed, or one
	// the engine picks).
	Optional bool
	// Accepts says which numbers the setting accepts ("a number > 0");
	// a value that fails OK is refused as "must be " + Accepts.
	Accepts string
	OK      func(c *Config) bool
	// Hidden: the setting is still read (configurations written before
	// name it) but no longer offered: help, docs and written
	// configurations leave it out, a sweep does not know it.
	Hidden bool
	// HelpDefault: the help says the default in words (-1 as "about 50
	// lines a run"), where the bare value would read as a sentinel.
	HelpDefault bool
	// Recipe: the model kind's recipe (models.Kind.Recipe) sets the
	// default, so that each kind's default is shown.
	Recipe bool
	// Resume: a resumed run may change the setting; every other one must
	// repeat the checkpoint's value.
	Resume bool
	// Fixed: a sweep gives the setting one value for every trial.
	Fixed bool
	// Spec: the setting is a field of the model's models.Spec, which the
	// model kind checks (models.Kind.Normalize), not Validate.
	Spec bool
	// Kinds: the setting applies only to the model kinds that use it
	// (models.Kind.Uses).
	Kinds bool
	// When, if not nil, says whether the setting applies to c, beyond
	// Kinds: a written configuration leaves out the settings that do not.
	When func(c Config) bool
	// Only says where When holds, naming settings as {key} as Help does
	// ("{optimizer} sgd only"): a value given where it does not is refused
	// as "applies to " + Only.
	Only string
}

// Groups are the headings of the settings, in the order help lists them.
const (
	GroupModel        = "Model"
	GroupOptimization = "Optimization"
	GroupStopping     = "Stopping and model selection"
	GroupData         = "Data"
	GroupRunFolder    = "Run folder and checkpoints"
	GroupPerformance  = "Performance and internals"
)

// Groups lists the groups in order.
var Groups = []string{GroupModel, GroupOptimization, GroupStopping, GroupData, GroupRunFolder, GroupPerformance}

// Fields are the settings of a run's configuration, in the order help
// lists them: the model's (models.Settings, declared with the model kinds)
// and then the training's. Adding a hyperparameter is a field of Config
// and one entry here (plus its use by the engine).
var Fields = append(specFields(), []Field{
	{Key: "optimizer", Group: GroupOptimization, Help: "optimizer: " + strings.Join(Optimizers, ", "), Words: Optimizers, Recipe: true,
		Ptr: func(c *Config) any { return &c.Optimizer }},
	{Key: "lr", Group: GroupOptimization, Help: "learning rate", Recipe: true,
		Ptr:     func(c *Config) any { return &c.LR },
		Accepts: "a number > 0", OK: func(c *Config) bool { return c.LR > 0 && c.LR <= 1e6 }},
	{Key: "momentum", Group: GroupOptimization, Help: "momentum for {optimizer} sgd",
		Ptr:     func(c *Config) any { return &c.Momentum },
		Accepts: "in [0, 1)", OK: func(c *Config) bool { return c.Momentum >= 0 && c.Momentum < 1 },
		When: func(c Config) bool { return c.Optimizer == "sgd" }, Only: "{optimizer} sgd only (adam and adamw have their own moments)"},
	{Key: "weight-decay", Group: GroupOptimization, Help: "weight decay for adam/adamw (adamw default 0.01)",
		Ptr:     func(c *Config) any { return &c.WeightDecay },
		Accepts: ">= 0", OK: func(c *Config) bool { return c.WeightDecay >= 0 },
		When: func(c Config) bool { return c.Optimizer != "sgd" }, Only: "{optimizer} adam and adamw only"},
	{Key: "schedule", Group: GroupOptimization, Help: "learning-rate schedule: " + strings.Join(Schedules, ", "), Words: Schedules, Recipe: true,
		Ptr: func(c *Config) any { return &c.Schedule }},
	{Key: "warmup", Group: GroupOptimization, Help: "linear learning-rate warm-up before {schedule}, in epochs, fractions allowed", Recipe: true,
		Ptr:     func(c *Config) any { return &c.Warmup },
		Accepts: "0 to epochs", OK: func(c *Config) bool { return c.Epochs < 1 || c.Warmup >= 0 && c.Warmup <= float64(c.Epochs) }},
	{Key: "batch-size", Group: GroupOptimization, Help: "examples per training step", Recipe: true,
		Ptr:     func(c *Config) any { return &c.BatchSize },
		Accepts: fmt.Sprintf("1 to %d", MaxBatchSize), OK: func(c *Config) bool { return c.BatchSize >= 1 && c.BatchSize <= MaxBatchSize }},
	{Key: "epochs", Group: GroupOptimization, Help: "maximum number of epochs", Recipe: true, Resume: true,
		Ptr:     func(c *Config) any { return &c.Epochs },
		Accepts: ">= 1", OK: func(c *Config) bool { return c.Epochs >= 1 }},
	{Key: "average", Group: GroupOptimization, Recipe: true, Kinds: true,
		Help: "perceptron: evaluate, test and predict with the average of the weights over all steps (the averaged perceptron); {average}=false: Rosenblatt's last weights",
		Ptr:  func(c *Config) any { return &c.Average }},
	{Key: "seed", Group: GroupOptimization, Help: "seed of the initialization, the validation split and the data order",
		Ptr: func(c *Config) any { return &c.Seed }},

	{Key: "patience", Group: GroupStopping, Help: "stop after this many epochs without a better {early-stop-monitor} (0: off)", Resume: true,
		Ptr:     func(c *Config) any { return &c.Patience },
		Accepts: ">= 0; 0 turns early stopping off", OK: func(c *Config) bool { return c.Patience >= 0 }},
	{Key: "early-stop-monitor", Group: GroupStopping, Resume: true, Words: Monitors, Optional: true,
		Help: "what {patience} watches: " + strings.Join(Monitors, " (higher is better) or ") + " (lower is better)",
		Ptr:  func(c *Config) any { return &c.EarlyStopMonitor }},
	{Key: "early-stop-min-delta", Group: GroupStopping, Help: "for {patience}, a change smaller than this is no improvement", Resume: true,
		Ptr:     func(c *Config) any { return &c.EarlyStopMinDelta },
		Accepts: "a number >= 0", OK: func(c *Config) bool { return c.EarlyStopMinDelta >= 0 && c.EarlyStopMinDelta <= 1e300 }},
	{Key: "tol", Group: GroupStopping, Help: "stop when the training loss has not improved by this much for {n-iter-no-change} epochs",
		Resume: true, Recipe: true,
		Ptr:     func(c *Config) any { return &c.Tol },
		Accepts: ">= 0", OK: func(c *Config) bool { return c.Tol >= 0 }},
	{Key: "n-iter-no-change", Group: GroupStopping, Help: "epochs without {tol} improvement before stopping (0: off)", Resume: true, Recipe: true,
		Ptr:     func(c *Config) any { return &c.NoChange },
		Accepts: ">= 0", OK: func(c *Config) bool { return c.NoChange >= 0 }},
	{Key: "restore-best", Group: GroupStopping, Resume: true, Recipe: true,
		Help: "test the weights of the epoch with the best validation accuracy; {restore-best}=false: the last epoch's",
		Ptr:  func(c *Config) any { return &c.RestoreBest }},

	{Key: "val-split", Group: GroupData, Help: "fraction of the training images held out for validation, in [0, 1)",
		Ptr:     func(c *Config) any { return &c.ValSplit },
		Accepts: "in [0, 1)", OK: func(c *Config) bool { return c.ValSplit >= 0 && c.ValSplit < 1 }},
	{Key: "drop-last", Group: GroupData, Help: "skip each epoch's last batch when it is smaller than {batch-size}",
		Ptr: func(c *Config) any { return &c.DropLast }},

	{Key: "log-every", Group: GroupRunFolder, Resume: true, HelpDefault: true,
		Help:    fmt.Sprintf("also write the training loss and learning rate to metrics.jsonl every this many steps (default -1: about %d lines a run; 0: per epoch only)", StepLinesPerRun),
		Ptr:     func(c *Config) any { return &c.LogEvery },
		Accepts: fmt.Sprintf(">= 0: 0 writes a line per epoch only; -1 picks about %d lines a run", StepLinesPerRun),
		OK:      func(c *Config) bool { return c.LogEvery >= LogEveryAuto }},
	{Key: "save-every", Group: GroupRunFolder, Help: "also save a checkpoint every this many steps (0: only at epoch ends)", Resume: true,
		Ptr:     func(c *Config) any { return &c.SaveEvery },
		Accepts: ">= 0; 0 saves only at epoch ends", OK: func(c *Config) bool { return c.SaveEvery >= 0 }},
	{Key: "save-every-epoch", Group: GroupRunFolder, Help: "save a checkpoint at the end of every epoch (the last epoch is always saved)", Resume: true,
		Ptr: func(c *Config) any { return &c.SaveEveryEpoch }},
	{Key: "keep-last", Group: GroupRunFolder, Help: "keep this many newest checkpoints", Resume: true,
		Ptr:     func(c *Config) any { return &c.KeepLast },
		Accepts: ">= 1", OK: func(c *Config) bool { return c.KeepLast >= 1 }},
	{Key: "keep-best", Group: GroupRunFolder, Help: "also keep the checkpoint with the best validation accuracy", Resume: true,
		Ptr: func(c *Config) any { return &c.KeepBest }},

	{Key: "steps-per-call", Group: GroupPerformance, Resume: true,
		Help:    "training steps run inside one compiled call; 0: automatic (Go backend: 1; accelerators: a whole epoch, or 16 with {loop} unroll)",
		Ptr:     func(c *Config) any { return &c.StepsPerCall },
		Accepts: ">= 1, or 0 for automatic", OK: func(c *Config) bool { return c.StepsPerCall >= 0 }},
	{Key: "loop", Group: GroupPerformance, Resume: true, Words: Loops, Optional: true,
		Help: "how a call runs its steps: " + strings.Join(Loops, " (a loop in the graph, compiled once) or ") +
			" (written out one after the other); same results (default: while where it compiles)", HelpDefault: true,
		Ptr:  func(c *Config) any { return &c.Loop },
		When: func(c Config) bool { return c.Loop != "" }},
	// autodiff chose GoMLX's autodiff over the hand-written backward pass,
	// which is gone: every gradient is autodiff's, so what it asked for is
	// what every run does. Every config.yaml written before names it, so it
	// stays, hidden, read and doing nothing.
	{Key: "autodiff", Group: GroupPerformance, Hidden: true, Resume: true,
		Help: "deprecated, does nothing: the gradients always come from GoMLX's autodiff",
		Ptr:  func(c *Config) any { return &c.Autodiff }},
	// precision may change on resume: the weights and the optimizer's
	// state are float32 in both precisions, so a checkpoint of either
	// continues in the other as it continues on another backend (a bf16 run
	// from a GPU resumed where bfloat16 is slow); the front end says so.
	{Key: "precision", Group: GroupPerformance, Resume: true, Words: Precisions, Optional: true,
		Help: "arithmetic of the products and activations: " + strings.Join(Precisions, ", ") + " (bf16: bfloat16 with float32 weights, " +
			"optimizer state, loss and checkpoints; faster on GPUs with bfloat16 units, no faster on the Go backend)",
		Ptr: func(c *Config) any { return &c.Precision }},
	{Key: "shards", Group: GroupPerformance, Resume: true, HelpDefault: true,
		Help: "split each training step's batch into this many shards computed side by side, their gradients summed " +
			"(the same update up to float rounding; 1: unsplit; default 0: automatic, on the Go backend one per core, " +
			"each of at least " + fmt.Sprint(MinShardRows) + " rows and " + fmt.Sprint(MinShardWork/1e6) + " million multiply-adds, elsewhere 1)",
		Ptr:     func(c *Config) any { return &c.Shards },
		Accepts: fmt.Sprintf("0 (automatic) or 1 to %d, and at most the batch size", MaxShards),
		OK:      func(c *Config) bool { return c.Shards >= 0 && c.Shards <= MaxShards && c.Shards <= c.BatchSize }},
}...)

// specFields are the model's settings as Fields, from models.Settings.
func specFields() []Field {
	out := make([]Field, len(models.Settings))
	for i, s := range models.Settings {
		f := Field{Key: s.Key, Group: GroupModel, Spec: true, Help: s.Help, Parse: s.Parse, Words: s.Words,
			HelpDefault: s.HelpDefault, Kinds: s.Kinds, Only: s.Only,
			Ptr: func(c *Config) any { return s.Ptr(&c.Model) }}
		if s.When != nil {
			f.When = func(c Config) bool { return s.When(c.Model) }
		}
		out[i] = f
	}
	return out
}

// Lookup returns the field called key.
func Lookup(key string) (*Field, bool) {
	for i := range Fields {
		if Fields[i].Key == key {
			return &Fields[i], true
		}
	}
	return nil, false
}

// Get returns f's value in c (a list copied).
func (f *Field) Get(c Config) any {
	switch p := f.Ptr(&c).(type) {
	case *string:
		return *p
	case *int:
		return *p
	case *float64:
		return *p
	case *bool:
		return *p
	case *uint64:
		return *p
	case *[]int:
		return slices.Clone(*p)
	}
	panic(fmt.Sprintf("config: field %s has a value of an unknown type", f.Key))
}

// Copy sets f in dst to its value in src.
func (f *Field) Copy(dst *Config, src Config) {
	switch d := f.Ptr(dst).(type) {
	case *string:
		*d = *f.Ptr(&src).(*string)
	case *int:
		*d = *f.Ptr(&src).(*int)
	case *float64:
		*d = *f.Ptr(&src).(*float64)
	case *bool:
		*d = *f.Ptr(&src).(*bool)
	case *uint64:
		*d = *f.Ptr(&src).(*uint64)
	case *[]int:
		*d = slices.Clone(*f.Ptr(&src).(*[]int))
	default:
		panic(fmt.Sprintf("config: field %s has a value of an unknown type", f.Key))
	}
}

// Applies reports whether f applies to c: to its model kind (Kinds) and
// to its other settings (When).
func (f *Field) Applies(c Config) bool {
	if f.Kinds {
		kind, err := models.Lookup(c.Model.Name)
		if err != nil || !kind.Uses(f.Key) {
			return false
		}
	}
	return f.When == nil || f.When(c)
}

// AppliesTo says where f applies, its settings spelled by spell: "{model}
// perceptron only" for a field of some kinds (Kinds), else Only.
func (f *Field) AppliesTo(spell func(key string) string) string {
	if f.Kinds {
		return spell("model") + " " + strings.Join(f.KindsUsing(), ", ") + " only"
	}
	return SpellKeys(f.Only, spell)
}

// IsZero reports whether f's value in c is its type's zero value (an
// empty list too): a setting left out.
func (f *Field) IsZero(c Config) bool { return isZero(f.Get(c)) }

// KindsUsing lists the model kinds f applies to: every kind, unless
// f.Kinds.
func (f *Field) KindsUsing() []string {
	var names []string
	for _, k := range models.Kinds() {
		if !f.Kinds || k.Uses(f.Key) {
			names = append(names, k.Name())
		}
	}
	return names
}

// HelpText is f's help with the settings it names spelled by spell
// (the command line's: "--" + key).
func (f *Field) HelpText(spell func(key string) string) string {
	return SpellKeys(f.Help, spell)
}

// SpellKeys replaces each {key} in text by spell(key).
func SpellKeys(text string, spell func(key string) string) string {
	var b strings.Builder
	for {
		open := strings.IndexByte(text, '{')
		end := strings.IndexByte(text[open+1:], '}')
		if open < 0 || end < 0 {
			b.WriteString(text)
			return b.String()
		}
		b.WriteString(text[:open])
		b.WriteString(spell(text[open+1 : open+1+end]))
		text = text[open+2+end:]
	}
}
