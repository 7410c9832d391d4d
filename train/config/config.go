package config

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/neurona/neurona/internal/field"
	"github.com/neurona/neurona/internal/human"
	"github.com/neurona/neurona/models"
)

// Optimizers accepted by Config.Optimizer.
var Optimizers = []string{"sgd", "adam", "adamw"}

// Loops accepted by Config.Loop: how a call runs several steps.
const (
	LoopWhile  = "while"  // a While loop in the graph, its body compiled once
	LoopUnroll = "unroll" // the steps written one after the other
)

// Loops lists the accepted Config.Loop values.
var Loops = []string{LoopWhile, LoopUnroll}

// Precisions accepted by Config.Precision: the arithmetic of a model's
// products and activations. The weights, the optimizer's state and the loss
// are float32 in both, so that a checkpoint holds the same arrays whichever
// precision wrote it.
const (
	PrecisionF32  = "f32"  // float32 throughout
	PrecisionBF16 = "bf16" // bfloat16 products and activations (mixed precision)
)

// Precisions lists the accepted Config.Precision values.
var Precisions = []string{PrecisionF32, PrecisionBF16}

// Schedules accepted by Config.Schedule.
var Schedules = []string{"constant", "cosine"}

// MaxBatchSize is the largest batch size (1048576): far more than MNIST's
// 60,000 training images, and small enough that a batch's arithmetic cannot
// overflow; memory is checked against the machine by CheckMemory.
const MaxBatchSize = 1 << 20

// MaxShards is the most shards a step is split into (Config.Shards): each
// shard is a copy of the step's forward and backward pass in the graph,
// and 128 is more than the cores of any machine a CPU step runs on.
const MaxShards = 128

// MinShardRows is the fewest rows a shard of an automatic Config.Shards
// holds: a smaller shard's operations are too small to repay running them
// apart (docs/performance.md, "Sharded steps").
const MinShardRows = 64

// MinShardWork is the fewest multiply-adds of a forward pass a shard of an
// automatic Config.Shards computes (its rows times the model's per-example
// count): below it, running the shards apart costs more than it saves
// (the MLP 784-64-10 at batch 128, 3.2 million per shard in 2 shards,
// took 1.3-1.5x as long as unsplit on the 2-core machine;
// docs/performance.md, "Sharded steps").
const MinShardWork = 8e6

// ErrConfig is wrapped by every Config validation error.
var ErrConfig = errors.New("train: invalid configuration")

// Config is one training run's full configuration.
type Config struct {
	Model       models.Spec `json:"model"`
	Optimizer   string      `json:"optimizer"`
	LR          float64     `json:"lr"`
	Momentum    float64     `json:"momentum,omitempty"`
	WeightDecay float64     `json:"weight_decay,omitempty"`
	Schedule    string      `json:"schedule"`
	// Average evaluates and predicts with the average of the weights over
	// all training steps instead of the last ones (the averaged perceptron;
	// see Program.updateAverages).
	Average bool `json:"average,omitempty"`
	// Warmup is the learning rate's linear warm-up, in epochs (fractions
	// allowed), before Schedule (see Program.scheduleLR).
	Warmup float64 `json:"warmup_epochs,omitempty"`
	// Autodiff is ignored: it chose GoMLX's autodiff over the models'
	// hand-written backward pass, which is gone (issue 25; every gradient
	// is autodiff's now). It stays so that the config.json and summary.json
	// of runs trained with --autodiff read back as they were written.
	Autodiff  bool    `json:"autodiff,omitempty"`
	BatchSize int     `json:"batch_size"`
	Epochs    int     `json:"epochs"`
	Seed      uint64  `json:"seed"`
	ValSplit  float64 `json:"val_split"`
	// StepsPerCall is how many training steps one compiled call runs; 0
	// picks it for the backend (see AutoStepsPerCall).
	StepsPerCall int `json:"steps_per_call"`
	// AutoStepsPerCall records that StepsPerCall was picked automatically,
	// so that a resumed run picks it again for its own backend.
	AutoStepsPerCall bool `json:"auto_steps_per_call,omitempty"`
	// Loop is how a call runs its StepsPerCall steps: LoopWhile or
	// LoopUnroll, which give the same results; "" is a While loop, or
	// unrolled steps on a backend where the While loop does not compile.
	Loop string `json:"loop,omitempty"`
	// DataOnDevice keeps the training images and labels on the device for
	// the whole run; each call then sends only its examples' indices.
	DataOnDevice bool `json:"data_on_device"`
	DropLast     bool `json:"drop_last"`
	// Precision is the arithmetic of the model's products and activations:
	// PrecisionF32 or PrecisionBF16 (mixed precision: float32 weights,
	// optimizer state and loss); "", in configurations saved before it
	// existed, is float32.
	Precision string `json:"precision,omitempty"`
	// Shards splits each training step's batch into this many shards
	// whose forward and backward passes are separate operations, which the
	// Go backend runs side by side; their gradients are summed in a fixed
	// order and the optimizer applied once, so the update is the unsharded
	// step's up to float rounding. 1 is the unsharded step; 0 picks it for
	// the backend and the machine (train.AutoShards).
	Shards int `json:"shards,omitempty"`
	// AutoShards records that Shards was picked automatically, so that a
	// resumed run picks it again for its own machine.
	AutoShards bool `json:"auto_shards,omitempty"`
	// Patience stops training after that many epochs without a better
	// EarlyStopMonitor (0: off): better by more than EarlyStopMinDelta.
	Patience int `json:"patience,omitempty"`
	// EarlyStopMonitor is the quantity Patience watches: MonitorValAccuracy
	// ("" in configurations saved before it existed) or MonitorValLoss.
	EarlyStopMonitor  string  `json:"early_stop_monitor,omitempty"`
	EarlyStopMinDelta float64 `json:"early_stop_min_delta,omitempty"`
	// Tol and NoChange stop training when the epoch's training loss has not
	// improved by Tol for NoChange epochs (scikit-learn's rule; 0: off).
	Tol      float64 `json:"tol,omitempty"`
	NoChange int     `json:"n_iter_no_change,omitempty"`
	// RestoreBest evaluates the test set with the weights of the epoch with
	// the best validation accuracy instead of the last epoch's.
	RestoreBest bool `json:"restore_best"`
	// LogEvery writes a step line to metrics.jsonl (StepMetrics) every
	// LogEvery training steps, or at the end of the first call that passes
	// a multiple of it when a call runs several steps; 0 writes epoch lines
	// only, LogEveryAuto (Defaults) about 50 step lines a run.
	LogEvery int `json:"log_every,omitempty"`
	// Checkpointing: every SaveEvery steps (0: off) and/or at the end of
	// every epoch; the KeepLast newest are kept, plus the one with the best
	// validation accuracy if KeepBest.
	SaveEvery      int    `json:"save_every"`
	SaveEveryEpoch bool   `json:"save_every_epoch"`
	KeepLast       int    `json:"keep_last"`
	KeepBest       bool   `json:"keep_best"`
	Backend        string `json:"-"` // requested backend; the summary records the one used
	RunDir         string `json:"-"`
	Progress       bool   `json:"-"` // show a progress bar within epochs
}

// Defaults returns the recommended configuration for a model: the
// settings common to every run, and the training recipe the model kind
// recommends (models.Kind's Recipe, chosen by validation accuracy on the Go
// backend: docs/performance.md, "Time to 0.98").
func Defaults(model string) Config {
	c := Config{
		Model:          models.Spec{Name: model},
		Seed:           1,
		ValSplit:       0.1,
		Schedule:       "constant",
		SaveEveryEpoch: true,
		KeepLast:       3,
		KeepBest:       true,
		LogEvery:       LogEveryAuto,
		Precision:      PrecisionF32,
		// Keras's and Lightning's EarlyStopping watch the validation loss
		// by default; neurona's --patience watched the accuracy first, and
		// keeps it.
		EarlyStopMonitor: MonitorValAccuracy,
	}
	// An unknown model keeps the zero recipe: Validate names the models.
	if kind, err := models.Lookup(model); err == nil {
		r := kind.Recipe()
		c.Optimizer, c.LR, c.BatchSize, c.Epochs = r.Optimizer, r.LR, r.BatchSize, r.Epochs
		c.Schedule, c.Warmup, c.Tol, c.NoChange = r.Schedule, r.Warmup, r.Tol, r.NoChange
		c.RestoreBest, c.Average, c.Model.Layout = r.RestoreBest, r.Average, r.Layout
	}
	return c
}

// Validate normalizes the model spec and checks every field against its
// declaration in Fields: a word among its Words, a number that passes its
// OK, no value where the field does not apply (Field.Applies). An error is
// a *field.Error naming the setting by its key, wrapping ErrConfig (or the
// model's error, wrapping models.ErrSpec); its Value is a number as it is,
// a word quoted and clipped (human.Quote), so that the error is one safe
// line whatever was given.
func (c *Config) Validate() error {
	spec, err := c.Model.Normalize()
	if err != nil {
		return err
	}
	c.Model = spec
	for i := range Fields {
		f := &Fields[i]
		if f.Spec || !f.Applies(*c) {
			continue // checked by the model kind, or refused below if set
		}
		text := f.Text(*c)
		switch {
		case f.Words != nil && !slices.Contains(f.Words, text) && !(text == "" && f.Optional):
			return field.Errorf(f.Key, human.Quote(text), "accepted: %s", strings.Join(f.Words, ", ")).Wrapping(ErrConfig)
		case f.OK != nil && !f.OK(c):
			return field.Errorf(f.Key, text, "must be %s", f.Accepts).Wrapping(ErrConfig)
		}
	}
	for i := range Fields {
		f := &Fields[i]
		if f.Spec || f.Applies(*c) || isZero(f.Get(*c)) {
			continue
		}
		return field.Errorf(f.Key, "", "applies to %s", f.AppliesTo(plainKey)).Wrapping(ErrConfig)
	}
	if c.ValSplit == 0 && (c.Patience > 0 || c.RestoreBest) {
		key := "restore-best"
		if c.Patience > 0 {
			key = "patience"
		}
		return field.Errorf(key, "", "needs a validation split (val-split > 0)").Wrapping(ErrConfig)
	}
	return nil
}

// plainKey spells a setting as its key: an error of the engine names no
// front end's flag.
func plainKey(key string) string { return key }

// isZero reports whether v, a field's value, is its type's zero value.
func isZero(v any) bool {
	switch v := v.(type) {
	case []int:
		return len(v) == 0
	case string:
		return v == ""
	case int:
		return v == 0
	case float64:
		return v == 0
	case bool:
		return !v
	case uint64:
		return v == 0
	}
	return false
}

// Quantities Config.EarlyStopMonitor accepts: what --patience watches.
const (
	MonitorValAccuracy = "val-accuracy" // higher is better
	MonitorValLoss     = "val-loss"     // lower is better
)

// Monitors lists the accepted Config.EarlyStopMonitor values.
var Monitors = []string{MonitorValAccuracy, MonitorValLoss}

// Monitor is the quantity early stopping watches: Config.EarlyStopMonitor,
// or the validation accuracy for a configuration saved before it existed.
func (c Config) Monitor() string {
	if c.EarlyStopMonitor == "" {
		return MonitorValAccuracy
	}
	return c.EarlyStopMonitor
}

// BF16 reports whether c computes its products and activations in
// bfloat16 (Config.Precision).
func (c Config) BF16() bool { return c.Precision == PrecisionBF16 }

// PrecisionName is c's precision, PrecisionF32 for a configuration saved
// before Precision existed.
func (c Config) PrecisionName() string {
	if c.Precision == "" {
		return PrecisionF32
	}
	return c.Precision
}

// LogEveryAuto is Config.LogEvery's automatic value: a step line about
// every 1/StepLinesPerRun of the run's steps.
const LogEveryAuto = -1

// StepLinesPerRun is how many step lines an automatic LogEvery aims at:
// enough for a curve between the epoch points (a default MLP run has 3),
// few enough that metrics.jsonl stays small.
const StepLinesPerRun = 50

// LogInterval is the steps between two step lines of a run of totalSteps
// steps: Config.LogEvery, or with LogEveryAuto about a StepLinesPerRun-th
// of the run; 0 writes none.
func (c Config) LogInterval(totalSteps int) int {
	if c.LogEvery == LogEveryAuto {
		return max(1, (totalSteps+StepLinesPerRun/2)/StepLinesPerRun)
	}
	return max(c.LogEvery, 0)
}

// Recipe says in a line how c trains, beyond the model and the batch:
// "adam lr 0.006, 0.5-epoch warm-up, cosine schedule, averaged weights,
// bf16 mixed precision" (the parts that apply). train's and bench's output
// open with it.
func (c Config) Recipe() string {
	parts := []string{fmt.Sprintf("%s lr %g", c.Optimizer, c.LR)}
	if c.Warmup > 0 {
		parts = append(parts, fmt.Sprintf("%g-epoch warm-up", c.Warmup))
	}
	parts = append(parts, c.Schedule+" schedule")
	if c.Average {
		parts = append(parts, "averaged weights")
	}
	if c.BF16() {
		parts = append(parts, "bf16 mixed precision")
	}
	return strings.Join(parts, ", ")
}
