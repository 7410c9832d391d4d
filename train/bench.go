package train

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"slices"
	"syscall"
	"time"

	"github.com/gomlx/compute"
	gtrain "github.com/gomlx/gomlx/ml/train"
	"github.com/neurona/neurona/data"
	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train/backend"
)

// BenchConfig is what `neurona bench` measures: every backend in Backends
// on every batch size, with the model and recipe of Base.
type BenchConfig struct {
	Base      Config   // model and optimizer; BatchSize is overridden
	Backends  []string // --backend names, in report order
	Batches   []int
	MinSteps  int           // per repeat, at least
	MinTime   time.Duration // per repeat, at least
	Warmup    time.Duration // untimed calls before measuring
	Repeats   int
	Target    float64 // time-to-accuracy target on the test set (0: skip)
	MaxEpochs int     // for the time-to-accuracy run
	// DataOnDevice is "on", "off" or "auto" (on for all but the Go backend).
	DataOnDevice string

	breakWhile bool // tests: building a While loop fails, as on a backend without one
}

// BenchResult is one (backend, model, batch) measurement.
type BenchResult struct {
	Backend            string    `json:"backend"`
	BackendDescription string    `json:"backend_description"`
	Model              string    `json:"model"`
	Batch              int       `json:"batch"`
	StepsPerCall       int       `json:"steps_per_call"`
	Loop               string    `json:"loop"` // how a call runs its steps: LoopWhile or LoopUnroll
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
	Warning           string  `json:"warning,omitempty"`
	// Note says the While loop did not compile and unrolled steps were
	// measured instead.
	Note string `json:"note,omitempty"`
}

// TrainFLOPs estimates the floating-point operations of one training step
// of batch examples: a multiply-add per weight and example in the forward
// pass (2 FLOPs), twice that in the backward pass (gradients of inputs and
// of weights), so 6 per weight and example; activations, the loss and the
// optimizer update are left out (they are O(units), not O(weights)).
func TrainFLOPs(spec models.Spec, batch int) float64 {
	return 6 * float64(backend.Weights(spec)) * float64(batch)
}

// Bench measures cfg on mnist, calling progress after each measurement.
func Bench(ctx context.Context, cfg BenchConfig, mnist *data.MNIST, progress func(BenchResult)) ([]BenchResult, error) {
	var results []BenchResult
	first := map[int]float64{} // batch -> steps/s of the first backend
	for i, name := range cfg.Backends {
		for _, batch := range cfg.Batches {
			if err := ctx.Err(); err != nil {
				return results, err
			}
			r, err := benchOne(ctx, cfg, name, batch, mnist)
			if err != nil {
				return results, fmt.Errorf("bench %s batch %d: %w", name, batch, err)
			}
			if i == 0 {
				first[batch] = r.StepsPerSecond
			}
			if base := first[batch]; base > 0 {
				r.SpeedupVsFirst = r.StepsPerSecond / base
			}
			results = append(results, r)
			if progress != nil {
				progress(r)
			}
		}
	}
	return results, nil
}

func benchOne(ctx context.Context, bc BenchConfig, backendName string, batch int, mnist *data.MNIST) (BenchResult, error) {
	cfg := bc.Base
	cfg.BatchSize = batch
	cfg.Backend = backendName
	if err := cfg.FitData(mnist); err != nil {
		return BenchResult{}, err
	}
	if err := cfg.Validate(); err != nil {
		return BenchResult{}, err
	}
	if err := CheckMemory(cfg); err != nil {
		return BenchResult{}, err
	}
	if backendName == backend.Go {
		backendName = backend.GoFor(cfg.Model)
	}
	trainIdx, _, err := data.Split(mnist.Train.N, cfg.ValSplit, cfg.Seed)
	if err != nil {
		return BenchResult{}, err
	}
	if cfg.StepsPerCall == 0 {
		cfg.StepsPerCall = AutoStepsPerCall(cfg, backendName, len(trainIdx)/batch)
		cfg.AutoStepsPerCall = true
	}
	r := BenchResult{Model: cfg.Model.String(), Batch: batch, FLOPsPerStep: TrainFLOPs(cfg.Model, batch)}
	start := time.Now()
	b, name, err := backend.New(backendName)
	if err != nil {
		return r, err
	}
	defer b.Finalize()
	cfg.Backend = name
	r.StartupSeconds = time.Since(start).Seconds()
	r.Backend, r.BackendDescription = name, b.Description()
	cfg.DataOnDevice = bc.DataOnDevice == "on" || ((bc.DataOnDevice == "auto" || bc.DataOnDevice == "") && !backend.IsGo(name))
	r.DataOnDevice = cfg.DataOnDevice

	m, err := models.New(cfg.Model)
	if err != nil {
		return r, err
	}
	var ds *data.Batches
	var p *program
	start = time.Now()
	cfg, r.Note, err = withLoopFallback(cfg, len(trainIdx)/batch, func(cfg Config) error {
		var err error
		ds, err = data.NewBatches(mnist.Train, trainIdx, data.BatchOptions{BatchSize: batch, StepsPerCall: cfg.StepsPerCall,
			Shuffle: true, Seed: cfg.Seed, DropLast: true, Name: "bench", IndicesOnly: cfg.DataOnDevice})
		if err != nil {
			return err
		}
		if p, err = newProgram(b, cfg, m, 1<<30); err != nil {
			return err
		}
		p.breakWhile = bc.breakWhile
		if cfg.DataOnDevice {
			p.makeResident(mnist.Train)
		}
		if err := p.compile(ds.CallRows()); err != nil {
			p.release()
			return err
		}
		return nil
	})
	if err != nil {
		return r, err
	}
	defer p.release()
	r.CompileSeconds = time.Since(start).Seconds()
	r.StepsPerCall, r.Loop = cfg.StepsPerCall, cfg.Loop
	if r.Loop == "" {
		r.Loop = LoopWhile
	}

	// Train calls, cycling through epochs; every call returns its loss to
	// the host, which synchronizes with the device.
	next := batchStream(ds)
	defer next(true)
	trainCall := func() (int, error) {
		batch, err := next(false)
		if err != nil {
			return 0, err
		}
		steps := batch.Spec.(data.Group).Steps
		_, _, err = p.trainOn(batch.Batch)
		return steps, err
	}
	if _, err := timeCalls(ctx, trainCall, bc.Warmup, 1); err != nil { // warm-up, also compiles
		return r, err
	}
	var latencies []float64
	for range max(bc.Repeats, 1) {
		lat, err := timeCalls(ctx, trainCall, bc.MinTime, bc.MinSteps)
		if err != nil {
			return r, err
		}
		steps, seconds := 0, 0.0
		for _, l := range lat {
			steps += l.steps
			seconds += l.seconds
			latencies = append(latencies, l.seconds/float64(l.steps))
		}
		r.TimedSteps += steps
		r.RepeatStepsPerSec = append(r.RepeatStepsPerSec, float64(steps)/seconds)
	}
	r.StepsPerSecond = median(r.RepeatStepsPerSec)
	r.ExamplesPerSecond = r.StepsPerSecond * float64(batch)
	r.Spread = (slices.Max(r.RepeatStepsPerSec) - slices.Min(r.RepeatStepsPerSec)) / r.StepsPerSecond
	if r.Spread > 0.10 {
		r.Warning = fmt.Sprintf("repeats spread %.0f%%: the machine was busy; compare with care", 100*r.Spread)
	}
	slices.Sort(latencies)
	r.LatencyP50 = 1000 * quantile(latencies, 0.50)
	r.LatencyP90 = 1000 * quantile(latencies, 0.90)
	r.LatencyP99 = 1000 * quantile(latencies, 0.99)
	r.GFLOPSAchieved = r.FLOPsPerStep * r.StepsPerSecond / 1e9

	// Evaluation throughput: forward passes over batches of the test set.
	evalDS, err := data.NewBatches(mnist.Test, allIndices(mnist.Test.N), data.BatchOptions{BatchSize: batch, DropLast: true, Name: "bench-eval"})
	if err != nil {
		return r, err
	}
	nextEval := batchStream(evalDS)
	defer nextEval(true)
	evalCall := func() (int, error) {
		b, err := nextEval(false)
		if err != nil {
			return 0, err
		}
		_, _, err = run(p.evalExec, b.Inputs[0], b.Labels[0])
		return 1, err
	}
	if _, err := timeCalls(ctx, evalCall, 0, 2); err != nil {
		return r, err
	}
	lat, err := timeCalls(ctx, evalCall, bc.MinTime/2, bc.MinSteps)
	if err != nil {
		return r, err
	}
	calls, seconds := 0, 0.0
	for _, l := range lat {
		calls += l.steps
		seconds += l.seconds
	}
	r.EvalExamplesPerSec = float64(calls*batch) / seconds
	r.PeakHostMB = peakRSSMB()
	r.DeviceMemory = backend.DeviceMemory(name)
	if r.DeviceMemory == "" {
		r.DeviceMemory = "not reported by the backend"
	}

	if bc.Target > 0 {
		if err := timeToAccuracy(ctx, bc, cfg, b, m, mnist, &r); err != nil {
			return r, err
		}
	}
	return r, nil
}

// timeToAccuracy trains from scratch with cfg, evaluating the test set after
// every epoch, and records the wall time from the first training step to the
// end of the first evaluation at or above the target. Backend start-up, data
// loading and compilation (of every shape used) are not timed: they are
// reported apart. The evaluations are timed, as in MLPerf.
func timeToAccuracy(ctx context.Context, bc BenchConfig, cfg Config, backend compute.Backend, m models.Model, mnist *data.MNIST, r *BenchResult) error {
	cfg.Epochs = max(bc.MaxEpochs, 1)
	trainIdx, _, err := data.Split(mnist.Train.N, cfg.ValSplit, cfg.Seed)
	if err != nil {
		return err
	}
	ds, err := data.NewBatches(mnist.Train, trainIdx, data.BatchOptions{BatchSize: cfg.BatchSize, StepsPerCall: cfg.StepsPerCall,
		Shuffle: true, Seed: cfg.Seed, DropLast: cfg.DropLast, Name: "time-to-accuracy", IndicesOnly: cfg.DataOnDevice})
	if err != nil {
		return err
	}
	test, err := data.NewBatches(mnist.Test, allIndices(mnist.Test.N), data.BatchOptions{BatchSize: evalBatchSize, Prefetch: -1, Name: "test"})
	if err != nil {
		return err
	}
	p, err := newProgram(backend, cfg, m, cfg.Epochs*ds.StepsPerEpoch())
	if err != nil {
		return err
	}
	if cfg.DataOnDevice {
		p.makeResident(mnist.Train)
		defer p.release()
	}
	// Compile every shape before the clock starts.
	if err := p.compile(ds.CallRows()); err != nil {
		return err
	}
	r.TargetAccuracy = bc.Target
	start := time.Now()
	for e := range cfg.Epochs {
		for b, err := range ds.Epoch(e) {
			if err != nil {
				return err
			}
			if err := ctx.Err(); err != nil {
				_ = b.Finalize()
				return err
			}
			if _, _, err := p.trainOn(b); err != nil {
				return err
			}
		}
		_, acc, err := p.evaluate(test)
		if err != nil {
			return err
		}
		r.FinalTestAccuracy = acc
		if acc >= bc.Target {
			r.TargetReached, r.TimeToTargetSec, r.EpochsToTarget = true, time.Since(start).Seconds(), e+1
			return nil
		}
	}
	return nil
}

// batchT is a batch or the error that came instead.
type batchT struct {
	gtrain.Batch
	err error
}

type callTiming struct {
	steps   int
	seconds float64
}

// timeCalls runs call until both minTime and minCalls are reached.
func timeCalls(ctx context.Context, call func() (int, error), minTime time.Duration, minCalls int) ([]callTiming, error) {
	var out []callTiming
	start := time.Now()
	for len(out) < minCalls || time.Since(start) < minTime {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		t := time.Now()
		steps, err := call()
		if err != nil {
			return out, err
		}
		out = append(out, callTiming{steps: steps, seconds: time.Since(t).Seconds()})
	}
	return out, nil
}

// batchStream returns a function yielding batches forever, epoch after
// epoch; next(true) stops it.
func batchStream(ds *data.Batches) func(stop bool) (batchT, error) {
	ch := make(chan batchT)
	done := make(chan struct{})
	go func() {
		defer close(ch)
		for e := 0; ; e++ {
			for b, err := range ds.Epoch(e) {
				select {
				case ch <- batchT{Batch: b, err: err}:
				case <-done:
					_ = b.Finalize()
					return
				}
			}
		}
	}()
	stopped := false
	return func(stop bool) (batchT, error) {
		if stop {
			if !stopped {
				stopped = true
				close(done)
				for b := range ch {
					_ = b.Finalize()
				}
			}
			return batchT{}, nil
		}
		b := <-ch
		return b, b.err
	}
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return quantile(s, 0.5)
}

// quantile of sorted xs, linearly interpolated.
func quantile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return math.NaN()
	}
	pos := q * float64(len(sorted)-1)
	lo := int(math.Floor(pos))
	hi := min(lo+1, len(sorted)-1)
	return sorted[lo] + (pos-float64(lo))*(sorted[hi]-sorted[lo])
}

// peakRSSMB is the process's peak resident memory so far.
func peakRSSMB() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	if runtime.GOOS == "darwin" {
		return float64(ru.Maxrss) / 1e6
	}
	return float64(ru.Maxrss) / 1024
}
