package bench

import (
	"context"
	"fmt"
	"github.com/neurona/neurona/train"
	"time"

	"github.com/neurona/neurona/data"
	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train/backend"
	"github.com/neurona/neurona/train/config"
)

// Config is what `neurona bench` measures: every backend in Backends on
// every batch size, with the model and recipe of Base.
type Config struct {
	Base     config.Config // model and optimizer; BatchSize is overridden
	Backends []string      // --backend names, in report order
	Batches  []int
	// Precisions are measured side by side at each backend and batch size,
	// in order (config.Precisions); none: Base's.
	Precisions []string
	MinSteps   int           // per repeat, at least
	MinTime    time.Duration // per repeat, at least
	Warmup     time.Duration // untimed calls before measuring
	Repeats    int
	Target     float64 // time-to-accuracy target on the test set (0: skip)
	MaxEpochs  int     // for the time-to-accuracy run
	// Seeds are the seeds of the time-to-accuracy runs, one run each (the
	// median is quoted); none: Base.Seed.
	Seeds []uint64
	// Trials are the group sizes RunTrials measures besides one trial.
	Trials []int
	// DataOnDevice is "on", "off" or "auto" (on for all but the Go backend).
	DataOnDevice string

	// CompileCache sets up XLA's compile cache for xla:cuda (the zero
	// value: on, in the user's cache folder).
	CompileCache backend.CacheOptions
	// Warn is told what starting a backend worked around (see
	// backend.Options.Warn); nil drops it.
	Warn func(warning error)
	// Faults are failures tests inject (train.Faults.RefuseWhile).
	Faults train.Faults
}

// Result is one (backend, model, batch) measurement.
type Result struct {
	Backend            string `json:"backend"`
	BackendDescription string `json:"backend_description"`
	Model              string `json:"model"`
	Batch              int    `json:"batch"`
	// Precision is the run's config.Config.Precision: "f32", "bf16" ("" in
	// reports written before it existed: f32).
	Precision          string    `json:"precision,omitempty"`
	StepsPerCall       int       `json:"steps_per_call"`
	Shards             int       `json:"shards"`                // each step's batch split into (config.Config.Shards)
	AutoShards         bool      `json:"auto_shards,omitempty"` // Shards was the automatic choice
	Loop               string    `json:"loop"`                  // how a call runs its steps: config.LoopWhile or config.LoopUnroll
	DataOnDevice       bool      `json:"data_on_device"`
	StartupSeconds     float64   `json:"startup_seconds"`
	CompileSeconds     float64   `json:"compile_seconds"`
	StepsPerSecond     float64   `json:"steps_per_second"`    // median over repeats
	ExamplesPerSecond  float64   `json:"examples_per_second"` // StepsPerSecond * Batch
	RepeatStepsPerSec  []float64 `json:"repeat_steps_per_second"`
	Spread             float64   `json:"spread"` // (max-min)/median of the repeats
	LatencyP50         float64   `json:"step_latency_p50_ms"`
	LatencyP90         float64   `json:"step_latency_p90_ms"`
	LatencyP99         float64   `json:"step_latency_p99_ms"`
	TimedSteps         int       `json:"timed_steps"`
	EvalExamplesPerSec float64   `json:"eval_examples_per_second"`
	FLOPsPerStep       float64   `json:"flops_per_step"`
	GFLOPSAchieved     float64   `json:"gflops_achieved"`
	SpeedupVsFirst     float64   `json:"speedup_vs_first"`
	PeakHostMB         float64   `json:"peak_host_mb"`
	DeviceMemory       string    `json:"device_memory,omitempty"`
	// Time to accuracy (only with a target).
	TargetAccuracy    float64 `json:"target_accuracy,omitempty"`
	TargetReached     bool    `json:"target_reached,omitempty"`
	TimeToTargetSec   float64 `json:"time_to_target_seconds,omitempty"`
	EpochsToTarget    int     `json:"epochs_to_target,omitempty"`
	FinalTestAccuracy float64 `json:"final_test_accuracy,omitempty"`
	// TargetRuns is each seed's time-to-accuracy run; the fields above are
	// their medians (reached: every seed reached the target).
	TargetRuns []SeedRun `json:"target_runs,omitempty"`
	Warning    string    `json:"warning,omitempty"`
	// Note says the While loop did not compile and unrolled steps were
	// measured instead.
	Note string `json:"note,omitempty"`

	// CompileCache says whether XLA's compile cache already held the
	// compilation's autotuning results: "cold", "warm" or "partly warm"
	// (backend.CacheUse.State); "" without a cache.
	CompileCache string `json:"compile_cache,omitempty"`
}

// SeedRun is one seed's time-to-accuracy run: the test accuracy and the
// time since the first step at the end of each epoch, until the target or
// the last epoch.
type SeedRun struct {
	Seed     uint64       `json:"seed"`
	Reached  bool         `json:"reached"`
	Seconds  float64      `json:"seconds,omitempty"` // to the target
	Epochs   int          `json:"epochs,omitempty"`  // to the target
	Accuracy float64      `json:"final_test_accuracy"`
	Curve    []EpochPoint `json:"curve"`
}

// EpochPoint is the test accuracy after an epoch and the training time to
// it, evaluations included.
type EpochPoint struct {
	Epoch    int     `json:"epoch"`
	Seconds  float64 `json:"seconds"`
	Accuracy float64 `json:"test_accuracy"`
}

// TrainFLOPs estimates the floating-point operations of one training step
// of batch examples of a model of size: a multiply-add per weight and
// example in the forward
// pass (2 FLOPs), twice that in the backward pass (gradients of inputs and
// of weights), so 6 per weight and example; activations, the loss and the
// optimizer update are left out (they are O(units), not O(weights)).
func TrainFLOPs(size models.Size, batch int) float64 {
	return 6 * size.MultiplyAdds * float64(batch)
}

// Run measures cfg on mnist, calling progress (when not nil) after each
// measurement. Each backend and batch size is measured in every precision
// of cfg.Precisions, one after the other, so that they sit side by side;
// where the shards are automatic (Base.Shards 0) and split a step, the
// unsplit step (1 shard) is measured too, in the row before. Speed-ups are
// against the first row at the same batch size: the first backend, in the
// first precision.
func Run(ctx context.Context, cfg Config, mnist *data.MNIST, progress func(Result)) ([]Result, error) {
	// The model takes the data's pixels and classes, as train.Run's does.
	if err := cfg.Base.FitData(mnist); err != nil {
		return nil, err
	}
	var results []Result
	first := map[int]float64{} // batch -> steps/s of the first backend and precision
	precisions := cfg.Precisions
	if len(precisions) == 0 {
		precisions = []string{cfg.Base.PrecisionName()}
	}
	for _, name := range cfg.Backends {
		for _, batch := range cfg.Batches {
			for _, precision := range precisions {
				if err := ctx.Err(); err != nil {
					return results, err
				}
				bc := cfg
				bc.Base.Precision = precision
				rows, err := measureShards(ctx, bc, name, batch, mnist)
				if err != nil {
					return results, fmt.Errorf("bench %s batch %d %s: %w", name, batch, precision, err)
				}
				if _, ok := first[batch]; !ok {
					first[batch] = rows[0].StepsPerSecond
				}
				for _, r := range rows {
					if base := first[batch]; base > 0 {
						r.SpeedupVsFirst = r.StepsPerSecond / base
					}
					results = append(results, r)
					if progress != nil {
						progress(r)
					}
				}
			}
		}
	}
	return results, nil
}

// measureShards measures batch on the backend named with cfg.Base.Shards
// and, where those were automatic and split the step, with 1 shard too:
// the rows, the unsplit step first.
func measureShards(ctx context.Context, cfg Config, name string, batch int, mnist *data.MNIST) ([]Result, error) {
	r, err := measure(ctx, cfg, name, batch, cfg.Base.Shards, mnist)
	if err != nil || !r.AutoShards || r.Shards == 1 {
		return []Result{r}, err
	}
	one, err := measure(ctx, cfg, name, batch, 1, mnist)
	if err != nil {
		return nil, err
	}
	return []Result{one, r}, nil
}
