package bench

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/gomlx/compute"
	"github.com/neurona/neurona/data"
	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train"
	"github.com/neurona/neurona/train/backend"
	"github.com/neurona/neurona/train/config"
)

// measure is one (backend, batch, shards) measurement of bc (shards 0:
// automatic), through train's public API: a train.Program compiled (timed as the compile time) on a
// backend started from package backend (timed as the start-up), whose
// TrainCall and EvalCall are timed call by call.
func measure(ctx context.Context, bc Config, backendName string, batch, shards int, mnist *data.MNIST) (Result, error) {
	base := bc.Base
	base.Shards = shards
	cfg, size, backendName, err := checkedConfig(base, backendName, batch, 1, mnist)
	if err != nil {
		return Result{}, err
	}
	trainIdx, _, err := data.Split(mnist.Train.N, cfg.ValSplit, cfg.Seed)
	if err != nil {
		return Result{}, err
	}
	if cfg.StepsPerCall == 0 {
		cfg.StepsPerCall = train.AutoStepsPerCall(cfg, backendName, len(trainIdx)/batch)
		cfg.AutoStepsPerCall = true
	}
	r := Result{Model: cfg.Model.String(), Batch: batch, Precision: cfg.PrecisionName(), FLOPsPerStep: TrainFLOPs(size, batch)}
	start := time.Now()
	b, name, err := backend.NewWith(backendName, backend.Options{Cache: bc.CompileCache, Warn: bc.Warn})
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
	start = time.Now()
	cache := backend.StartCacheUse(name)
	steady := cfg
	steady.DropLast = true // whole batches only: every timed step has batch examples
	p, err := train.Compile(b, steady, m, mnist.Train, trainIdx, train.ProgramOptions{
		Steps: 1 << 30, Name: "bench", Notes: func(note string) { r.Note = note }, RefuseWhile: bc.Faults.RefuseWhile})
	if err != nil {
		return r, backend.WithCacheInUse(name, err)
	}
	defer p.Close()
	r.CompileSeconds = time.Since(start).Seconds()
	r.CompileCache = cache.End().State()
	cfg.Loop, cfg.StepsPerCall = p.Config().Loop, p.Config().StepsPerCall // after a fallback to unrolled steps
	r.StepsPerCall, r.Loop = cfg.StepsPerCall, cfg.Loop
	cfg.Shards, cfg.AutoShards = p.Config().Shards, p.Config().AutoShards // the time-to-accuracy runs keep them
	r.Shards, r.AutoShards = cfg.Shards, cfg.AutoShards
	if r.Loop == "" {
		r.Loop = config.LoopWhile
	}
	if err := measureTraining(ctx, bc, p, &r); err != nil {
		return r, err
	}
	if err := measureEvaluation(ctx, bc, p, mnist.Test, &r); err != nil {
		return r, err
	}
	r.PeakHostMB = train.PeakRSSMB()
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

// checkedConfig is base at batch on the backend named, fitted to mnist,
// validated and checked against the machine's memory (trials of it at
// once: their programs are alive together), with its model's
// size and, for the plain Go backend, the configuration train starts for
// trials trials of that size trained together (backend.GoFor).
func checkedConfig(base config.Config, backendName string, batch, trials int, mnist *data.MNIST) (config.Config, models.Size, string, error) {
	cfg := base
	cfg.BatchSize, cfg.Backend = batch, backendName
	if err := cfg.FitData(mnist); err != nil {
		return cfg, models.Size{}, "", err
	}
	if err := cfg.Validate(); err != nil {
		return cfg, models.Size{}, "", err
	}
	if err := train.GroupFits(cfg, trials); err != nil { // trials' programs at once
		return cfg, models.Size{}, "", err
	}
	size, err := cfg.Model.Size()
	if err != nil {
		return cfg, models.Size{}, "", err
	}
	if backendName == backend.Go {
		backendName = backend.GoFor(size.MultiplyAdds * float64(trials))
	}
	return cfg, size, backendName, nil
}

// measureTraining times p's training calls, cycling through epochs of its
// pipeline: after bc.Warmup of untimed calls, bc.Repeats repeats of at least
// bc.MinTime and bc.MinSteps calls. Every call returns its loss to the host,
// which synchronizes with the device.
func measureTraining(ctx context.Context, bc Config, p *train.Program, r *Result) error {
	next := batchStream(p.Batches(), "the training set")
	defer next(true)
	trainCall := func() (int, error) {
		batch, err := next(false)
		if err != nil {
			return 0, err
		}
		steps := batch.Spec.(data.Group).Steps
		_, _, err = p.TrainCall(batch.Batch)
		return steps, err
	}
	var latencies []float64
	var err error
	if r.RepeatStepsPerSec, latencies, r.TimedSteps, err = timeRepeats(ctx, bc, trainCall); err != nil {
		return err
	}
	r.StepsPerSecond = median(r.RepeatStepsPerSec)
	r.ExamplesPerSecond = r.StepsPerSecond * float64(r.Batch)
	r.Spread = (slices.Max(r.RepeatStepsPerSec) - slices.Min(r.RepeatStepsPerSec)) / r.StepsPerSecond
	if r.Spread > 0.10 {
		r.Warning = fmt.Sprintf("repeats spread %.0f%%: the machine was busy; compare with care", 100*r.Spread)
	}
	slices.Sort(latencies)
	r.LatencyP50 = 1000 * quantile(latencies, 0.50)
	r.LatencyP90 = 1000 * quantile(latencies, 0.90)
	r.LatencyP99 = 1000 * quantile(latencies, 0.99)
	r.GFLOPSAchieved = r.FLOPsPerStep * r.StepsPerSecond / 1e9
	return nil
}

// timeRepeats times call, which runs some steps: after bc.Warmup of
// untimed calls, bc.Repeats repeats of at least bc.MinTime and bc.MinSteps
// calls. It returns each repeat's steps per second, each call's seconds
// per step, and the steps timed.
func timeRepeats(ctx context.Context, bc Config, call func() (int, error)) (perSecond, latencies []float64, timed int, err error) {
	if _, err := timeCalls(ctx, call, bc.Warmup, 1); err != nil { // warm-up, also compiles
		return nil, nil, 0, err
	}
	for range max(bc.Repeats, 1) {
		lat, err := timeCalls(ctx, call, bc.MinTime, bc.MinSteps)
		if err != nil {
			return nil, nil, 0, err
		}
		steps, seconds := 0, 0.0
		for _, l := range lat {
			steps += l.steps
			seconds += l.seconds
			latencies = append(latencies, l.seconds/float64(l.steps))
		}
		timed += steps
		perSecond = append(perSecond, float64(steps)/seconds)
	}
	return perSecond, latencies, timed, nil
}

// measureEvaluation times p's evaluation call, forward passes over batches
// of r.Batch test images: two untimed calls (the first compiles the
// batch's shape), then at least bc.MinTime/2 and bc.MinSteps calls.
func measureEvaluation(ctx context.Context, bc Config, p *train.Program, test *data.Set, r *Result) error {
	evalDS, err := data.NewBatches(test, allIndices(test.N), data.BatchOptions{BatchSize: r.Batch, DropLast: true, Name: "bench-eval"})
	if err != nil {
		return err
	}
	nextEval := batchStream(evalDS, "the test set")
	defer nextEval(true)
	evalCall := func() (int, error) {
		b, err := nextEval(false)
		if err != nil {
			return 0, err
		}
		_, _, err = p.EvalCall(b.Batch)
		return 1, err
	}
	if _, err := timeCalls(ctx, evalCall, 0, 2); err != nil {
		return err
	}
	lat, err := timeCalls(ctx, evalCall, bc.MinTime/2, bc.MinSteps)
	if err != nil {
		return err
	}
	calls, seconds := 0, 0.0
	for _, l := range lat {
		calls += l.steps
		seconds += l.seconds
	}
	r.EvalExamplesPerSec = float64(calls*r.Batch) / seconds
	return nil
}

// timeToAccuracy runs timeToAccuracySeed for each of bc.Seeds (or
// cfg.Seed) and records the runs and their medians in r.
func timeToAccuracy(ctx context.Context, bc Config, cfg config.Config, b compute.Backend, m models.Model, mnist *data.MNIST, r *Result) error {
	seeds := bc.Seeds
	if len(seeds) == 0 {
		seeds = []uint64{cfg.Seed}
	}
	r.TargetAccuracy = bc.Target
	var seconds, epochs, accuracies []float64
	reached := true
	for _, seed := range seeds {
		cfg.Seed = seed
		run, err := timeToAccuracySeed(ctx, bc, cfg, b, m, mnist)
		if err != nil {
			return fmt.Errorf("seed %d: %w", seed, err)
		}
		r.TargetRuns = append(r.TargetRuns, run)
		reached = reached && run.Reached
		seconds = append(seconds, run.Seconds)
		epochs = append(epochs, float64(run.Epochs))
		accuracies = append(accuracies, run.Accuracy)
	}
	r.FinalTestAccuracy = median(accuracies)
	if reached {
		r.TargetReached, r.TimeToTargetSec, r.EpochsToTarget = true, median(seconds), int(math.Round(median(epochs)))
	}
	return nil
}

// timeToAccuracySeed trains from scratch with cfg, evaluating the test set
// after every epoch, and records the wall time from the first training step
// to the end of the first evaluation at or above the target. Backend
// start-up, data loading and compilation (of every shape used) are not
// timed: they are reported apart. The evaluations are timed, as in MLPerf.
func timeToAccuracySeed(ctx context.Context, bc Config, cfg config.Config, b compute.Backend, m models.Model, mnist *data.MNIST) (SeedRun, error) {
	run := SeedRun{Seed: cfg.Seed}
	cfg.Epochs = max(bc.MaxEpochs, 1)
	trainIdx, _, err := data.Split(mnist.Train.N, cfg.ValSplit, cfg.Seed)
	if err != nil {
		return run, err
	}
	test, err := data.NewBatches(mnist.Test, allIndices(mnist.Test.N), data.BatchOptions{BatchSize: train.EvalBatchSize, Prefetch: -1, Name: "test"})
	if err != nil {
		return run, err
	}
	// Compile every shape before the clock starts.
	p, err := train.Compile(b, cfg, m, mnist.Train, trainIdx, train.ProgramOptions{Name: "time-to-accuracy"})
	if err != nil {
		return run, err
	}
	defer p.Close()
	start := time.Now()
	for e := range cfg.Epochs {
		for b, err := range p.Batches().Epoch(e) {
			if err != nil {
				return run, err
			}
			if err := ctx.Err(); err != nil {
				_ = b.Finalize()
				return run, err
			}
			if _, _, err := p.TrainCall(b); err != nil {
				return run, err
			}
		}
		_, acc, err := p.Evaluate(test)
		if err != nil {
			return run, err
		}
		elapsed := time.Since(start).Seconds()
		run.Accuracy = acc
		run.Curve = append(run.Curve, EpochPoint{Epoch: e + 1, Seconds: elapsed, Accuracy: acc})
		if acc >= bc.Target {
			run.Reached, run.Seconds, run.Epochs = true, elapsed, e+1
			return run, nil
		}
	}
	return run, nil
}
