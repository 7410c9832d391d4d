package train

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train/backend"
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

// Schedules accepted by Config.Schedule.
var Schedules = []string{"constant", "cosine"}

// MaxBatchSize is the largest --batch-size (1048576): far more than MNIST's
// 60,000 training images, and small enough that a batch's arithmetic cannot
// overflow; memory is checked against the machine by CheckMemory.
const MaxBatchSize = 1 << 20

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

// Defaults returns the recommended configuration for a model, chosen by
// validation accuracy on the Go backend (docs/performance.md, "Time to
// 0.98"): for the MLP, Adam at 6e-3 with a warm-up of half an epoch and a
// cosine decay over 4 epochs of batch 512; for the perceptron, the
// averaged perceptron (eta 1) for 2 epochs of batch 32, testing the epoch
// with the best validation accuracy (scikit-learn's stopping rule, a
// training loss not improving by 1e-3 for 5 epochs, stays on for longer
// runs).
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
		// Keras's and Lightning's EarlyStopping watch the validation loss
		// by default; neurona's --patience watched the accuracy first, and
		// keeps it.
		EarlyStopMonitor: MonitorValAccuracy,
	}
	switch model {
	case models.Perceptron:
		// Averaged, batch 32, 2 epochs: 0.915 test accuracy in about a
		// second of training, where Rosenblatt's last weights swing
		// between 0.78 and 0.90 from epoch to epoch. Smaller batches
		// average more steps (batch 16: 0.916, 128: 0.910 after 2 epochs)
		// and a step costs about the same at any of these sizes.
		// --average=false --batch-size 1 --epochs 1000 is scikit-learn's
		// Perceptron exactly.
		c.Optimizer, c.LR, c.BatchSize, c.Epochs = "sgd", 1.0, 32, 2
		c.Tol, c.NoChange = 1e-3, 5
		c.RestoreBest, c.Average = true, true
	default:
		// Batch 512 runs more examples a second than batch 128 on every
		// backend, and 6x the rate warmed up over half an epoch makes up
		// for the fewer steps. A fourth epoch buys the margin over 0.98
		// that kernels rounding differently (a GPU's) need: 3 epochs ended
		// within 0.001 of it, and validation prefers 4 on every seed
		// (docs/performance.md).
		c.Optimizer, c.LR, c.BatchSize, c.Epochs = "adam", 6e-3, 512, 4
		c.Schedule, c.Warmup = "cosine", 0.5
		c.Model.Layout = models.LayoutOutputsInputs
	}
	return c
}

// unrollAuto is the automatic steps per call of an unrolled loop on an
// accelerator: compile time grows with every unrolled step while speed
// plateaus (docs/performance.md, "GPU (H200)").
const unrollAuto = 16

// AutoStepsPerCall is the steps per call used when c.StepsPerCall is 0, for
// the backend named and an epoch of stepsPerEpoch full batches. On the Go
// backend the device is the host, so calls cost little: one step per call.
// Several steps in one call pick each step's rows out of the call's with a
// Gather, which on the Go backend costs more than the calls it saves
// (docs/performance.md, "One step per call on the Go backend"). On an
// accelerator every call costs host round trips and launches that dwarf a
// step's arithmetic, so one call runs a whole epoch (as JAX's lax.scan
// recipe does), or unrollAuto steps with LoopUnroll.
func AutoStepsPerCall(c Config, backendName string, stepsPerEpoch int) int {
	switch {
	case backend.IsGo(backendName):
		return 1
	case c.Loop == LoopUnroll:
		return max(1, min(unrollAuto, stepsPerEpoch))
	default:
		return max(1, stepsPerEpoch)
	}
}

// Validate normalizes the model spec and checks every field, with errors
// that say what is wrong and what is accepted.
func (c *Config) Validate() error {
	spec, err := c.Model.Normalize()
	if err != nil {
		return err
	}
	c.Model = spec
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrConfig, fmt.Sprintf(format, args...))
	}
	switch {
	case !slices.Contains(Optimizers, c.Optimizer):
		return bad("unknown optimizer %q (accepted: %s)", c.Optimizer, strings.Join(Optimizers, ", "))
	case !(c.LR > 0) || c.LR > 1e6:
		return bad("--lr %g (must be a number > 0)", c.LR)
	case c.Momentum < 0 || c.Momentum >= 1:
		return bad("--momentum %g (must be in [0, 1))", c.Momentum)
	case c.Momentum != 0 && c.Optimizer != "sgd":
		return bad("--momentum applies to --optimizer sgd only (adam and adamw have their own moments)")
	case c.WeightDecay < 0:
		return bad("--weight-decay %g (must be >= 0)", c.WeightDecay)
	case c.WeightDecay != 0 && c.Optimizer == "sgd":
		return bad("--weight-decay applies to --optimizer adam and adamw only")
	case !slices.Contains(Schedules, c.Schedule):
		return bad("unknown schedule %q (accepted: %s)", c.Schedule, strings.Join(Schedules, ", "))
	case c.Average && c.Model.Name != models.Perceptron:
		return bad("--average applies to --model perceptron only")
	case c.BatchSize < 1 || c.BatchSize > MaxBatchSize:
		return bad("--batch-size %d (must be 1 to %d)", c.BatchSize, MaxBatchSize)
	case c.Epochs < 1:
		return bad("--epochs %d (must be >= 1)", c.Epochs)
	case !(c.Warmup >= 0) || c.Warmup > float64(c.Epochs):
		return bad("--warmup %g (must be 0 to --epochs, %d)", c.Warmup, c.Epochs)
	case !(c.ValSplit >= 0 && c.ValSplit < 1):
		return bad("--val-split %g (must be in [0, 1))", c.ValSplit)
	case c.Loop != "" && !slices.Contains(Loops, c.Loop):
		return bad("unknown --loop %q (accepted: %s)", c.Loop, strings.Join(Loops, ", "))
	case c.StepsPerCall < 0:
		return bad("--steps-per-call %d (must be >= 1, or 0 for automatic)", c.StepsPerCall)
	case c.Patience < 0:
		return bad("--patience %d (must be >= 0; 0 turns early stopping off)", c.Patience)
	case c.EarlyStopMonitor != "" && !slices.Contains(Monitors, c.EarlyStopMonitor):
		return bad("unknown --early-stop-monitor %q (accepted: %s)", c.EarlyStopMonitor, strings.Join(Monitors, ", "))
	case !(c.EarlyStopMinDelta >= 0) || math.IsInf(c.EarlyStopMinDelta, 0):
		return bad("--early-stop-min-delta %g (must be a number >= 0)", c.EarlyStopMinDelta)
	case c.Tol < 0 || c.NoChange < 0:
		return bad("--tol %g / --n-iter-no-change %d (must be >= 0)", c.Tol, c.NoChange)
	case c.LogEvery < LogEveryAuto:
		return bad("--log-every %d (must be >= 0: 0 writes a line per epoch only; -1 picks about %d lines a run)", c.LogEvery, stepLinesPerRun)
	case c.SaveEvery < 0:
		return bad("--save-every %d (must be >= 0; 0 saves only at epoch ends)", c.SaveEvery)
	case c.KeepLast < 1:
		return bad("--keep-last %d (must be >= 1)", c.KeepLast)
	case (c.Patience > 0 || c.RestoreBest) && c.ValSplit == 0:
		return bad("--patience and --restore-best need a validation split (--val-split > 0)")
	}
	return nil
}
