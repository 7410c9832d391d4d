package train

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/neurona/neurona/data"
	"github.com/neurona/neurona/internal/fsutil"
	"github.com/neurona/neurona/internal/human"
	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train/backend"
	"github.com/neurona/neurona/train/checkpoint"
)

// evalBatchSize is the batch of evaluation calls: it divides MNIST's 6,000
// validation and 10,000 test images, so each compiles one shape.
const evalBatchSize = 1000

// Options of a Run besides the configuration.
type Options struct {
	// Resume continues the run that wrote this checkpoint, in its run
	// folder; the configuration must be the checkpoint's (see ResumeConfig).
	Resume *checkpoint.Checkpoint

	// DataOnDevice is "on", "off" or "auto" (on for every backend but the
	// Go backend); it sets Config.DataOnDevice.
	DataOnDevice string

	// Warn reports a problem the run works around (a damaged line of
	// metrics.jsonl); nil writes it to the run's output.
	Warn func(msg string)

	// Files are written into the run folder of a new run once it is
	// created and locked, by name (the command line's config.yaml); a
	// resumed run leaves its folder's as they are.
	Files map[string][]byte

	afterCall  func(globalStep int) // tests: called after each training call
	breakWhile bool                 // tests: building a While loop fails, as on a backend without one
	watchdog   watchdogOptions      // tests: a shorter floor and grace, calls that hang
}

// Run trains cfg.Model on mnist, reports progress to out and writes the run
// folder. On ctx cancellation it stops after the current call, saves a
// checkpoint and the summary of what it did, and returns ctx.Err().
func Run(ctx context.Context, cfg Config, mnist *data.MNIST, out io.Writer, opts Options) (_ *Summary, err error) {
	if err := cfg.FitData(mnist); err != nil {
		return nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	requested := cfg.Backend
	if chosen, err := backend.Choose(requested); err == nil && chosen == backend.Go {
		requested = backend.GoFor(cfg.Model)
	}
	b, name, err := backend.New(requested)
	if err != nil {
		return nil, err
	}
	defer func() {
		if !errors.Is(err, ErrCallAbandoned) { // a hung call may still use it
			b.Finalize()
		}
	}()
	cfg.Backend = name
	if opts.DataOnDevice == "auto" || opts.DataOnDevice == "" {
		// On an accelerator the step is dominated by host round trips; on
		// the Go backend the device is the host, so there is nothing to save.
		cfg.DataOnDevice = !backend.IsGo(name)
	} else {
		cfg.DataOnDevice = opts.DataOnDevice == "on"
	}
	var s *Summary
	s, _, err = execute(ctx, b, cfg, mnist, out, opts)
	return s, err
}

// ResumeConfig reads the configuration and progress saved in c.
func ResumeConfig(c *checkpoint.Checkpoint) (cfg Config, step, epoch int, dataset string, err error) {
	var meta checkpointMeta
	if err := json.Unmarshal(c.Meta, &meta); err != nil {
		return cfg, 0, 0, "", fmt.Errorf("checkpoint %s: %s: %w", c.Dir, checkpoint.MetaFile, err)
	}
	// A bad saved configuration is the checkpoint's fault, not the flags'.
	// The configuration is returned as saved; Validate's normalized copy is
	// only checked.
	if _, err := savedConfig(c, meta.Config); err != nil {
		return cfg, 0, 0, "", err
	}
	return meta.Config, meta.State.GlobalStep, meta.State.Epoch, meta.Dataset, nil
}

// RunDirOf is the run folder a checkpoint belongs to.
func RunDirOf(c *checkpoint.Checkpoint) string { return filepath.Dir(filepath.Dir(c.Dir)) }

// execute is Run on a given backend; it also returns the program, whose
// store holds the trained variables.
func execute(ctx context.Context, b compute.Backend, cfg Config, mnist *data.MNIST, out io.Writer, opts Options) (*Summary, *program, error) {
	start := time.Now()
	if err := cfg.FitData(mnist); err != nil {
		return nil, nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, nil, err
	}
	if err := CheckMemory(cfg); err != nil { // before anything is allocated
		return nil, nil, err
	}
	m, err := models.New(cfg.Model)
	if err != nil {
		return nil, nil, err
	}
	trainIdx, valIdx, err := data.Split(mnist.Train.N, cfg.ValSplit, cfg.Seed)
	if err != nil {
		return nil, nil, err
	}
	if cfg.StepsPerCall == 0 {
		cfg.StepsPerCall = AutoStepsPerCall(cfg, cfg.Backend, len(trainIdx)/cfg.BatchSize)
		cfg.AutoStepsPerCall = true
	}
	trainData, err := trainBatches(cfg, mnist, trainIdx)
	if err != nil {
		return nil, nil, err
	}
	if trainData.StepsPerEpoch() == 0 {
		return nil, nil, fmt.Errorf("%w: %d training examples make no batch of %d", ErrConfig, len(trainIdx), cfg.BatchSize)
	}
	valData, err := data.NewBatches(mnist.Train, valIdx, data.BatchOptions{BatchSize: evalBatchSize, Prefetch: -1, Name: "validation"})
	if err != nil {
		return nil, nil, err
	}
	params, total, err := models.Params(b, m)
	if err != nil {
		return nil, nil, err
	}

	warn := opts.Warn
	if warn == nil {
		warn = func(msg string) { fmt.Fprintf(out, "warning  %s\n", msg) }
	}
	st := runState{BestVal: -1}
	plannedEpochs := 0
	dataset := DatasetID(mnist)
	var rd *runDir
	if opts.Resume != nil {
		var meta checkpointMeta
		if err := json.Unmarshal(opts.Resume.Meta, &meta); err != nil {
			return nil, nil, fmt.Errorf("checkpoint %s: %w", opts.Resume.Dir, err)
		}
		if meta.Dataset != dataset {
			return nil, nil, fmt.Errorf("checkpoint %s was trained on other data (dataset SHA-256 %.12s…, this data %.12s…)",
				opts.Resume.Dir, meta.Dataset, dataset)
		}
		st = meta.State
		plannedEpochs = meta.Config.Epochs
		cfg.RunDir = RunDirOf(opts.Resume)
		unlock, err := LockRunFor(cfg.RunDir, "training")
		if err != nil {
			return nil, nil, err
		}
		defer unlock()
		if rd, err = openRunDir(cfg.RunDir, st, warn); err != nil {
			return nil, nil, err
		}
	} else {
		if cfg.RunDir == "" {
			// A new folder of its own, even for runs started in the same second.
			if cfg.RunDir, err = NewRunDir(cfg.Model.Name, start); err != nil {
				return nil, nil, err
			}
		} else if err := os.MkdirAll(cfg.RunDir, 0o755); err != nil {
			return nil, nil, fmt.Errorf("create run folder: %w", err)
		}
		// Locked before looking at what the folder holds: a run training
		// there has not saved yet either, and must not be restarted.
		unlock, err := LockRunFor(cfg.RunDir, "training")
		if err != nil {
			return nil, nil, err
		}
		defer unlock()
		var restarted bool
		if rd, restarted, err = createRunDir(cfg.RunDir); err != nil {
			return nil, nil, err
		}
		if restarted {
			fmt.Fprintf(out, "restart  %s held a run that stopped before its first checkpoint, with nothing to resume; starting it afresh\n", cfg.RunDir)
		}
		for name, b := range opts.Files {
			if err := fsutil.WriteFile(filepath.Join(cfg.RunDir, name), b); err != nil {
				return nil, nil, fmt.Errorf("run folder %s: %w", cfg.RunDir, err)
			}
		}
	}
	defer rd.close()
	bestMetric := ""
	if cfg.KeepBest {
		bestMetric = "val_accuracy"
	}
	ckpts, err := checkpoint.NewManager(CheckpointsDir(cfg.RunDir), cfg.KeepLast, bestMetric)
	if err != nil {
		return nil, nil, err
	}

	s := &Summary{
		Model: cfg.Model, Hyperparameters: cfg, Backend: cfg.Backend, BackendDescription: backend.Summary(cfg.Backend, b),
		Parameters: total, ParameterShapes: params, RunDir: cfg.RunDir, Build: Build(), StartedAt: start,
		Data: DataInfo{Dir: mnist.Dir, Source: mnist.Source, Train: len(trainIdx), Val: len(valIdx), Test: mnist.Test.N, DataShape: DataShapeOf(mnist)},
	}
	fmt.Fprintf(out, "model    %s, %d parameters:", cfg.Model, total)
	for _, p := range params {
		fmt.Fprintf(out, " %s %v", p.Name, p.Shape)
	}
	fmt.Fprintf(out, "\nbackend  %s\ndata     %s: %d train, %d validation, %d test\n",
		backend.Summary(cfg.Backend, b), data.Describe(mnist.Dir, mnist.Source), len(trainIdx), len(valIdx), mnist.Test.N)
	fmt.Fprintf(out, "train    %s lr %g, %s schedule, batch %d, %s, up to %s, seed %d -> %s\n",
		cfg.Optimizer, cfg.LR, cfg.Schedule, cfg.BatchSize, perCall(cfg), human.Count(cfg.Epochs, "epoch"), cfg.Seed, cfg.RunDir)
	if cfg.DataOnDevice {
		fmt.Fprintf(out, "data     resident on the device: %s of images and labels, %s of indices sent per step\n",
			human.Bytes(int64(len(mnist.Train.Images)+4*mnist.Train.N)), human.Bytes(int64(4*cfg.BatchSize)))
	}

	compileStart := time.Now()
	var prog *program
	planned := cfg.StepsPerCall
	cfg, note, err := withLoopFallback(cfg, len(trainIdx)/cfg.BatchSize, func(cfg Config) error {
		var err error
		if cfg.StepsPerCall != planned { // the fallback's steps per call
			if trainData, err = trainBatches(cfg, mnist, trainIdx); err != nil {
				return err
			}
		}
		prog, err = buildProgram(b, cfg, m, mnist, trainData, opts)
		return err
	})
	if note != "" {
		fmt.Fprintf(out, "note     %s\n", note)
	}
	if err != nil {
		return nil, nil, err
	}
	defer func() {
		if !prog.watch.abandonedCall() { // a hung call may still use the resident data
			prog.release()
		}
	}()
	prog.watch = newWatchdog(ctx, opts)
	s.CompileSeconds = time.Since(compileStart).Seconds()
	s.Hyperparameters = cfg
	fmt.Fprintf(out, "compile  %d training call shapes and the evaluation call in %.2fs\n", len(trainData.CallRows()), s.CompileSeconds)

	l := &loop{cfg: cfg, prog: prog, out: out, summary: s, rd: rd, st: st, ckpts: ckpts, dataset: dataset, dataDir: mnist.Dir, data: DataShapeOf(mnist), afterCall: opts.afterCall,
		plannedEpochs: plannedEpochs}
	if opts.Resume != nil {
		ckpts.Protect = opts.Resume.Dir
		l.lastSave = st.GlobalStep
		if err := l.loadBest(); err != nil {
			return nil, nil, err
		}
		fmt.Fprintf(out, "resume   from %s: step %d, %s done", opts.Resume.Dir, st.GlobalStep, human.Count(st.Epoch, "epoch"))
		if st.StepInEpoch > 0 {
			fmt.Fprintf(out, ", %s into epoch %d", human.Count(st.StepInEpoch, "step"), st.Epoch+1)
		}
		fmt.Fprintln(out)
	}
	var stateBytes int64
	for v := range prog.store.IterVariables() {
		stateBytes += int64(v.Shape().Memory())
	}
	fmt.Fprintf(out, "memory   model and optimizer state %s, data on the host %s, process peak so far %.0f MB\n",
		human.Bytes(stateBytes), human.Bytes(int64(len(mnist.Train.Images)+len(mnist.Test.Images))), peakRSSMB())
	if mem := backend.DeviceMemory(cfg.Backend); mem != "" {
		fmt.Fprintf(out, "memory   %s\n", mem)
	}

	runErr := l.epochs(ctx, trainData, valData)
	l.fillSummary()
	if err, ok := l.abandon(runErr, opts, start); ok {
		return s, prog, err
	}
	if runErr == nil {
		if err := l.finish(mnist.Test); err != nil {
			if err, ok := l.abandon(err, opts, start); ok {
				return s, prog, err
			}
			return s, prog, err
		}
	}
	if runErr == nil || errors.Is(runErr, context.Canceled) || errors.Is(runErr, ErrDiverged) {
		s.WallSeconds = time.Since(start).Seconds()
		if err := rd.writeSummary(s); err != nil {
			return s, prog, err
		}
	}
	return s, prog, runErr
}

func allIndices(n int) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return idx
}

// trainBatches is the training pipeline of cfg over mnist.Train[trainIdx].
func trainBatches(cfg Config, mnist *data.MNIST, trainIdx []int) (*data.Batches, error) {
	return data.NewBatches(mnist.Train, trainIdx, data.BatchOptions{
		BatchSize: cfg.BatchSize, StepsPerCall: cfg.StepsPerCall, Shuffle: true, Seed: cfg.Seed,
		DropLast: cfg.DropLast, Name: "train", IndicesOnly: cfg.DataOnDevice})
}

// buildProgram makes cfg's program: the variables (the checkpoint's when
// resuming), the dataset on the device with cfg.DataOnDevice, and every call
// shape of an epoch compiled. An error wraps errWhileLoop when the While
// loop is what failed to compile.
func buildProgram(backend compute.Backend, cfg Config, m models.Model, mnist *data.MNIST, trainData *data.Batches, opts Options) (*program, error) {
	prog, err := newProgram(backend, cfg, m, cfg.Epochs*trainData.StepsPerEpoch())
	if err != nil {
		return nil, err
	}
	prog.breakWhile = opts.breakWhile
	if cfg.DataOnDevice {
		prog.makeResident(mnist.Train)
	}
	if opts.Resume != nil {
		if err := loadVariables(prog.store, opts.Resume.Variables); err != nil {
			prog.release()
			return nil, fmt.Errorf("checkpoint %s: %w", opts.Resume.Dir, err)
		}
	}
	if err := prog.compile(trainData.CallRows()); err != nil {
		prog.release()
		return nil, err
	}
	return prog, nil
}

// perCall describes how cfg's calls run their steps.
func perCall(cfg Config) string {
	switch {
	case cfg.StepsPerCall == 1:
		return "1 step per call"
	case cfg.Loop == LoopUnroll:
		return human.Count(cfg.StepsPerCall, "step") + " per call (unrolled)"
	default:
		return human.Count(cfg.StepsPerCall, "step") + " per call"
	}
}

// errWhileLoop marks a failure to compile the While loop of a training call.
var errWhileLoop = errors.New("the While loop of the training call did not compile")

// withLoopFallback calls build with cfg. When the While loop did not
// compile and no loop was asked for (Config.Loop ""), it calls build again
// with unrolled steps (the results are the same; automatic steps per call
// are picked again for them) and returns the configuration used and a note
// that says so. A loop asked for by name fails instead.
func withLoopFallback(cfg Config, stepsPerEpoch int, build func(Config) error) (Config, string, error) {
	err := build(cfg)
	if !errors.Is(err, errWhileLoop) || cfg.Loop != "" {
		return cfg, "", err
	}
	cfg.Loop = LoopUnroll
	if cfg.AutoStepsPerCall {
		cfg.StepsPerCall = AutoStepsPerCall(cfg, cfg.Backend, stepsPerEpoch)
	}
	note := fmt.Sprintf("the While loop did not compile on %s (%s); running %s instead", cfg.Backend, firstLine(err.Error()), perCall(cfg))
	return cfg, note, build(cfg)
}

// firstLine keeps the first line of s: GoMLX errors may carry a stack.
func firstLine(s string) string {
	first, _, _ := strings.Cut(s, "\n")
	return first
}

// compile compiles the training call for each row count in rows and the
// evaluation call, so that compilation is timed apart from training.
func (p *program) compile(rows []int) error {
	inputs := p.model.Spec().Inputs
	for _, r := range rows {
		var err error
		if p.residentX != nil {
			_, err = p.residentExec.Compile(p.residentX.Shape(), p.residentY.Shape(), shapes.Make(dtypes.Int32, r))
		} else {
			_, err = p.trainExec.Compile(shapes.Make(dtypes.Uint8, r, inputs), shapes.Make(dtypes.Int32, r))
		}
		if err != nil {
			if steps, _ := p.stepsIn(r); steps > 1 && p.cfg.Loop != LoopUnroll {
				return fmt.Errorf("%w (%d steps per call): %w (--loop unroll avoids it)", errWhileLoop, steps, err)
			}
			return fmt.Errorf("compile train call of %d rows: %w", r, err)
		}
	}
	if _, err := p.evalExec.Compile(shapes.Make(dtypes.Uint8, evalBatchSize, inputs), shapes.Make(dtypes.Int32, evalBatchSize)); err != nil {
		return fmt.Errorf("compile eval call: %w", err)
	}
	return nil
}

// loop is one run's epochs.
type loop struct {
	cfg     Config
	prog    *program
	out     io.Writer
	summary *Summary
	rd      *runDir
	ckpts   *checkpoint.Manager
	dataset string
	dataDir string // the folder the data was read from, recorded in checkpoints
	data    DataShape

	st            runState
	plannedEpochs int // --epochs of the run a resumed checkpoint belongs to
	lastSave      int // global step of the last checkpoint
	afterCall     func(globalStep int)
	best          map[string]*tensors.Tensor // variable values at the best validation accuracy
}

// epochs trains until cfg.Epochs or a stopping rule, evaluating on val after
// each epoch and saving checkpoints.
func (l *loop) epochs(ctx context.Context, trainData, valData *data.Batches) error {
	cfg, st := l.cfg, &l.st
	if st.Done {
		if cfg.Epochs == l.plannedEpochs || st.Epoch >= cfg.Epochs {
			fmt.Fprintf(l.out, "nothing to train: the run already stopped after %s (%s); pass --epochs N, N > %d, to train longer\n",
				human.Count(st.Epoch, "epoch"), st.StoppedBecause, st.Epoch)
			return nil
		}
		// Training longer than first planned: the stopping rules start
		// counting afresh, or the rule that stopped the run would stop it
		// again after one epoch.
		st.Done, st.StoppedBecause, st.NoBetter, st.NoImprove = false, "", 0, 0
	}
	for st.Epoch < cfg.Epochs {
		if err := l.trainEpoch(ctx, trainData); err != nil {
			return err
		}
		m := EpochMetrics{
			Epoch: st.Epoch + 1, GlobalStep: st.GlobalStep,
			TrainLoss: st.EpochLossSum / float64(st.EpochExamples), TrainAccuracy: st.EpochCorrect / float64(st.EpochExamples),
			ExamplesPerSecond: float64(st.EpochExamples) / st.EpochSeconds, EpochSeconds: st.EpochSeconds,
		}
		st.Epoch++
		st.Examples += st.EpochExamples
		st.TrainSeconds += st.EpochSeconds
		st.StepInEpoch, st.EpochLossSum, st.EpochCorrect, st.EpochExamples, st.EpochSeconds = 0, 0, 0, 0, 0
		st.TrainLoss, st.TrainAccuracy = m.TrainLoss, m.TrainAccuracy
		m.ElapsedSeconds = time.Since(l.summary.StartedAt).Seconds()

		line := fmt.Sprintf("epoch %3d/%d  train loss %.4f acc %.4f", m.Epoch, cfg.Epochs, m.TrainLoss, m.TrainAccuracy)
		metrics := map[string]float64{"train_loss": m.TrainLoss, "train_accuracy": m.TrainAccuracy}
		if valData.Len() > 0 {
			loss, acc, err := l.prog.evaluate(valData)
			if err != nil {
				return fmt.Errorf("evaluate validation: %w", err)
			}
			if err := checkLoss("validation loss", loss, st.GlobalStep, 1); err != nil {
				return l.diverged(err)
			}
			m.ValLoss, m.ValAccuracy = &loss, &acc
			st.ValLoss, st.ValAccuracy = &loss, &acc
			metrics["val_loss"], metrics["val_accuracy"] = loss, acc
			line += fmt.Sprintf("  val loss %.4f acc %.4f", loss, acc)
		}
		line += fmt.Sprintf("  %7.0f ex/s  %6.1fs", m.ExamplesPerSecond, m.ElapsedSeconds)
		last := m
		st.LastEpoch = &last // saved with the checkpoints, so a damaged metrics.jsonl line can be restored
		if err := l.rd.appendEpoch(m); err != nil {
			return err
		}
		if m.ValAccuracy != nil && *m.ValAccuracy > st.BestVal {
			st.BestVal, st.BestEpoch, st.NoBetter = *m.ValAccuracy, m.Epoch, 0
			if cfg.RestoreBest {
				if err := l.snapshot(); err != nil {
					return err
				}
				line += "  *"
			}
		} else {
			st.NoBetter++
		}
		l.applyStoppingRules(m)
		if !st.Done && st.Epoch >= cfg.Epochs {
			st.Done, st.StoppedBecause = true, fmt.Sprintf("reached --epochs %d", cfg.Epochs)
		}
		// The last epoch is always saved: its checkpoint records Done, so
		// resuming a finished run knows there is nothing left to do.
		if cfg.SaveEveryEpoch || st.Done {
			saved, err := l.save("epoch", metrics)
			if err != nil {
				return err
			}
			line += saved
		}
		fmt.Fprintln(l.out, line)
		if st.Done {
			break
		}
		if ctx.Err() != nil {
			return l.interrupted(ctx)
		}
	}
	return nil
}

// applyStoppingRules updates the early-stopping counters after an epoch.
func (l *loop) applyStoppingRules(m EpochMetrics) {
	cfg, st := l.cfg, &l.st
	if cfg.Patience > 0 && st.NoBetter >= cfg.Patience {
		st.Done, st.StoppedBecause = true, fmt.Sprintf("validation accuracy did not improve for %s (--patience)", human.Count(cfg.Patience, "epoch"))
	}
	if cfg.NoChange > 0 {
		if st.BestLoss != nil && m.TrainLoss > *st.BestLoss-cfg.Tol {
			st.NoImprove++
		} else {
			st.NoImprove = 0
		}
		if st.BestLoss == nil || m.TrainLoss < *st.BestLoss {
			loss := m.TrainLoss
			st.BestLoss = &loss
		}
		if st.NoImprove >= cfg.NoChange && !st.Done {
			st.Done, st.StoppedBecause = true, fmt.Sprintf("training loss did not improve by %g for %s (--tol, --n-iter-no-change)",
				cfg.Tol, human.Count(cfg.NoChange, "epoch"))
		}
	}
}

// trainEpoch runs (the rest of) epoch st.Epoch+1.
func (l *loop) trainEpoch(ctx context.Context, trainData *data.Batches) error {
	st := &l.st
	var bar *progressBar
	if l.cfg.Progress {
		out := l.out
		bar = newProgressBar(out, st.Epoch+1, l.cfg.Epochs, trainData.StepsPerEpoch(), st.StepInEpoch, nil)
		l.out = bar // lines printed during the epoch go above the bar
		defer func() {
			bar.finish()
			l.out = out
		}()
	}
	examples := 0 // trained on in this call of trainEpoch, for the bar's examples/s
	start := time.Now()
	secondsBefore := st.EpochSeconds
	for batch, err := range trainData.EpochFrom(st.Epoch, st.StepInEpoch) {
		if err != nil {
			return err
		}
		if ctx.Err() != nil {
			_ = batch.Finalize()
			st.EpochSeconds = secondsBefore + time.Since(start).Seconds()
			return l.interrupted(ctx)
		}
		group := batch.Spec.(data.Group)
		loss, hits, err := l.prog.watch.sums("train", func() string { return fmt.Sprintf("the train call of step %d", st.GlobalStep+1) },
			func() (float64, float64, error) { return l.prog.trainOn(batch) })
		if err != nil {
			return fmt.Errorf("train step %d: %w", st.GlobalStep+1, err)
		}
		if err := checkLoss("loss", loss, st.GlobalStep+group.Steps, group.Steps); err != nil {
			return l.diverged(err)
		}
		st.EpochLossSum += loss
		st.EpochCorrect += hits
		st.EpochExamples += group.Steps * group.BatchSize
		st.GlobalStep += group.Steps
		st.StepInEpoch += group.Steps
		examples += group.Steps * group.BatchSize
		if bar != nil {
			bar.update(st.StepInEpoch, examples, st.EpochLossSum/float64(st.EpochExamples))
		}
		if l.afterCall != nil {
			l.afterCall(st.GlobalStep)
		}
		if l.cfg.SaveEvery > 0 && st.GlobalStep/l.cfg.SaveEvery > l.lastSave/l.cfg.SaveEvery {
			st.EpochSeconds = secondsBefore + time.Since(start).Seconds()
			if _, err := l.save("step", nil); err != nil {
				return err
			}
		}
	}
	st.EpochSeconds = secondsBefore + time.Since(start).Seconds()
	return nil
}

// interrupted saves a checkpoint of where the run stopped and returns the
// context's error.
func (l *loop) interrupted(ctx context.Context) error {
	l.st.StoppedBecause = "interrupted"
	if l.lastSave != l.st.GlobalStep {
		if _, err := l.save("interrupt", nil); err != nil {
			return errors.Join(ctx.Err(), err)
		}
	}
	return ctx.Err()
}

// diverged records a divergence as the reason the run stopped.
func (l *loop) diverged(err *divergedError) error {
	l.st.StoppedBecause = err.reason()
	return err
}

// save writes a checkpoint of the current state, returning a note for the
// epoch line.
func (l *loop) save(reason string, metrics map[string]float64) (string, error) {
	start := time.Now()
	vars, err := storeVariables(l.prog.store)
	if err != nil {
		return "", err
	}
	if err := checkWeights(vars, l.st.GlobalStep); err != nil {
		return "", l.diverged(err) // the newest checkpoint stays the last finite one
	}
	meta := checkpointMeta{Config: l.cfg, State: l.st, Dataset: l.dataset, DataDir: l.dataDir, Data: l.data, Backend: l.cfg.Backend, Build: Build()}
	path, size, err := l.ckpts.Save(checkpoint.Snapshot{Step: l.st.GlobalStep, Epoch: l.st.Epoch, Reason: reason,
		Metrics: metrics, Meta: meta, Variables: vars})
	if err != nil {
		return "", err
	}
	l.lastSave = l.st.GlobalStep
	seconds := time.Since(start).Seconds()
	l.summary.CheckpointSeconds += seconds
	l.summary.Checkpoints++
	l.summary.LastCheckpoint = path
	note := fmt.Sprintf("  saved %s (%s, %.2fs)", filepath.Base(path), human.Bytes(size), seconds)
	if reason != "epoch" {
		fmt.Fprintln(l.out, "checkpoint"+note[len("  saved"):])
	}
	return note, nil
}

// loadBest fills the in-memory best snapshot from the best checkpoint
// after a resume, so --restore-best still tests the best epoch.
func (l *loop) loadBest() error {
	if !l.cfg.RestoreBest || l.st.BestEpoch == 0 {
		return nil
	}
	dir := l.ckpts.Best()
	if dir == "" {
		return fmt.Errorf("resume with --restore-best: the checkpoint of the best epoch (%d) is gone; pass --no-restore-best", l.st.BestEpoch)
	}
	c, err := checkpoint.Open(dir)
	if err != nil {
		return fmt.Errorf("resume with --restore-best: %w", err)
	}
	l.best = map[string]*tensors.Tensor{}
	for _, v := range c.Variables {
		t, err := variableTensor(v)
		if err != nil {
			return err
		}
		l.best[v.Path] = t
	}
	return nil
}

// fillSummary copies the state into the summary.
func (l *loop) fillSummary() {
	s, st := l.summary, l.st
	s.Epochs, s.GlobalStep, s.StoppedBecause = st.Epoch, st.GlobalStep, st.StoppedBecause
	s.TrainLoss, s.TrainAccuracy = st.TrainLoss, st.TrainAccuracy
	s.TrainSeconds, s.EvaluatedEpoch = st.TrainSeconds, st.Epoch
	s.ValLoss, s.ValAccuracy = st.ValLoss, st.ValAccuracy
	if st.BestEpoch > 0 {
		s.BestEpoch = st.BestEpoch
		best := st.BestVal
		s.BestValAccuracy = &best
	}
	if st.TrainSeconds > 0 {
		s.ExamplesPerSecond = float64(st.Examples) / st.TrainSeconds
		s.StepsPerSecond = float64(st.GlobalStep) / st.TrainSeconds
	}
}

// evaluate returns the mean loss and the accuracy over a dataset.
func (p *program) evaluate(ds *data.Batches) (loss, accuracy float64, err error) {
	var lossSum, correct float64
	n := 0
	for batch, err := range ds.Epoch(0) {
		if err != nil {
			return 0, 0, err
		}
		l, c, err := p.watch.sums("eval", func() string { return "the " + ds.Name() + " call" },
			func() (float64, float64, error) { return run(p.evalExec, batch.Inputs[0], batch.Labels[0]) })
		if err != nil {
			return 0, 0, err
		}
		lossSum += l
		correct += c
		n += batch.Spec.(data.Group).BatchSize
	}
	if n == 0 {
		return 0, 0, fmt.Errorf("no examples in %s", ds.Name())
	}
	return lossSum / float64(n), correct / float64(n), nil
}

// snapshot copies every variable's value (weights and optimizer state).
func (l *loop) snapshot() error {
	for _, t := range l.best {
		_ = t.FinalizeAll()
	}
	l.best = map[string]*tensors.Tensor{}
	for v := range l.prog.store.IterVariables() {
		value, err := v.Value()
		if err != nil {
			return fmt.Errorf("snapshot %s: %w", v.Path(), err)
		}
		c, err := value.LocalClone()
		if err != nil {
			return fmt.Errorf("snapshot %s: %w", v.Path(), err)
		}
		l.best[v.Path()] = c
	}
	return nil
}

// finish restores the best weights if asked, then evaluates the test set.
func (l *loop) finish(test *data.Set) error {
	s := l.summary
	if l.cfg.RestoreBest && l.best != nil {
		for v := range l.prog.store.IterVariables() {
			if t, ok := l.best[v.Path()]; ok {
				if err := v.SetValue(t); err != nil {
					return fmt.Errorf("restore %s: %w", v.Path(), err)
				}
			}
		}
		l.best = nil // the store owns those tensors now
		s.EvaluatedEpoch = s.BestEpoch
	}
	t, err := newTrained(l.prog)
	if err != nil {
		return err
	}
	ev, err := t.Evaluate(test)
	if err != nil {
		return fmt.Errorf("evaluate test: %w", err)
	}
	loss, acc := ev.Loss, ev.Accuracy
	s.TestLoss, s.TestAccuracy, s.Evaluation = &loss, &acc, ev
	fmt.Fprintf(l.out, "stopped: %s\n", s.StoppedBecause)
	fmt.Fprintf(l.out, "test     loss %.4f  accuracy %.4f  (weights of epoch %d; %s, %.1fs training, %.0f examples/s, compile %.2fs)\n",
		loss, acc, s.EvaluatedEpoch, human.Count(s.GlobalStep, "step"), s.TrainSeconds, s.ExamplesPerSecond, s.CompileSeconds)
	var onDisk int64
	if infos, err := checkpoint.List(l.ckpts.Dir, false); err == nil {
		for _, info := range infos {
			onDisk += info.Size
		}
	}
	fmt.Fprintf(l.out, "run      %s (checkpoints: %d saved in %.2fs, %s kept on disk)\n",
		s.RunDir, s.Checkpoints, s.CheckpointSeconds, human.Bytes(onDisk))
	return nil
}
