package train

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/gomlx/compute"
	"github.com/neurona/neurona/data"
	"github.com/neurona/neurona/internal/human"
	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train/backend"
	"github.com/neurona/neurona/train/buildinfo"
	"github.com/neurona/neurona/train/checkpoint"
	"github.com/neurona/neurona/train/config"
	"github.com/neurona/neurona/train/runfolder"
)

// Options of a Run besides the configuration.
type Options struct {
	// Resume continues the run that wrote this checkpoint, in its run
	// folder; the configuration must be the checkpoint's (see ResumeConfig).
	Resume *checkpoint.Checkpoint

	// DataOnDevice is "on", "off" or "auto" (on for every backend but the
	// Go backend); it sets Config.DataOnDevice.
	DataOnDevice string

	// Observers receive the run's events (see Event), in order; a run
	// writes nothing to show, its observers decide what to show.
	Observers []Observer

	// Files are written into the run folder of a new run once it is
	// created and locked, by name (the command line's config.yaml); a
	// resumed run leaves its folder's as they are.
	Files map[string][]byte

	// CompileCache sets up XLA's compile cache for xla:cuda (the zero
	// value: on, in the user's cache folder).
	CompileCache backend.CacheOptions

	// Faults are failures a test injects (the zero value: none).
	Faults Faults

	afterCall func(globalStep int) // tests: called after each training call
	member    *groupSlot           // Group.Run: the run is this member of a group
	watchdog  watchdogOptions      // tests: a shorter floor and grace, calls that hang
}

// Faults are failures injected into a run by tests that run neurona as a
// program, where a signal or a backend without While loops must be met
// for real.
type Faults struct {
	// HangCall, when set, is asked before each compiled training or
	// evaluation call with the call's kind ("train" or "eval"); when it
	// returns true the call blocks forever, as one that deadlocks in the
	// backend does.
	HangCall func(kind string) bool
	// RefuseWhile makes building a training call's While loop fail, as on
	// a backend without one.
	RefuseWhile bool
}

// Run trains cfg.Model on mnist, reports what it does to opts.Observers
// and writes the run folder. On ctx cancellation it stops after the
// current call, saves a checkpoint and the summary of what it did, and
// returns ctx.Err(). Resuming a run that would train no further reports
// NothingToTrain and returns ErrNothingToTrain, its folder untouched.
func Run(ctx context.Context, cfg config.Config, mnist *data.MNIST, opts Options) (_ *runfolder.Summary, err error) {
	if err := cfg.FitData(mnist); err != nil {
		return nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	requested := cfg.Backend
	if chosen, err := backend.Choose(requested); err == nil && chosen == backend.Go {
		if requested, err = goConfig(cfg); err != nil {
			return nil, err
		}
	}
	obs := observers(opts.Observers)
	b, name, err := backend.NewWith(requested, backend.Options{Cache: opts.CompileCache, Warn: func(w error) { obs.report(Warned{w}) }})
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
		cfg.DataOnDevice = autoDataOnDevice(name)
	} else {
		cfg.DataOnDevice = opts.DataOnDevice == "on"
	}
	var s *runfolder.Summary
	s, _, err = execute(ctx, b, cfg, mnist, opts)
	return s, err
}

// autoDataOnDevice is whether a run on the backend called name keeps its
// training data on the device when not told (Options.DataOnDevice
// "auto"): on an accelerator the step is dominated by host round trips; on
// the Go backend the device is the host, so there is nothing to save, and
// gathering the batches inside the graph is slower there than copying
// them on the host (docs/performance.md).
func autoDataOnDevice(name string) bool { return !backend.IsGo(name) }

// ResumeConfig reads the configuration and progress saved in c.
func ResumeConfig(c *checkpoint.Checkpoint) (cfg config.Config, step, epoch int, dataset string, err error) {
	var meta checkpointMeta
	if err := json.Unmarshal(c.Meta, &meta); err != nil {
		return cfg, 0, 0, "", fmt.Errorf("checkpoint %s: %s: %w", c.Dir, checkpoint.MetaFile, err)
	}
	// A bad saved configuration is the checkpoint's fault, not the flags'.
	// The configuration is returned as saved; Validate's normalized copy is
	// only checked.
	if _, err := savedConfig(c.Dir, meta.Config); err != nil {
		return cfg, 0, 0, "", err
	}
	return meta.Config, meta.State.GlobalStep, meta.State.Epoch, meta.Dataset, nil
}

// RunDirOf is the run folder a checkpoint belongs to.
func RunDirOf(c *checkpoint.Checkpoint) string { return filepath.Dir(filepath.Dir(c.Dir)) }

// execute is Run on a given backend; it also returns the program, whose
// store holds the trained variables. Its steps: plan the run (nothing is
// written before the configuration and the data are known to fit), open
// its folder, compile the program, train the epochs, evaluate and write the
// summary.
func execute(ctx context.Context, b compute.Backend, cfg config.Config, mnist *data.MNIST, opts Options) (*runfolder.Summary, *Program, error) {
	start := time.Now()
	obs := observers(opts.Observers)
	if opts.Resume != nil {
		// Checked before anything is compiled, locked or written: a run
		// with nothing left to train keeps its folder as it is.
		if stopped, nothing := AlreadyStoppedAt(opts.Resume, cfg.Epochs); nothing {
			obs.report(NothingToTrain{stopped})
			return nil, nil, ErrNothingToTrain
		}
	}
	plan, err := planRun(b, cfg, mnist)
	if err != nil {
		return nil, nil, err
	}
	cfg = plan.cfg
	folder, err := openRun(cfg, mnist, obs, opts, start)
	if err != nil {
		return nil, nil, err
	}
	defer folder.close()
	cfg.RunDir = folder.dir

	s := &runfolder.Summary{
		Model: cfg.Model, Hyperparameters: cfg, Backend: cfg.Backend, BackendDescription: backend.Summary(cfg.Backend, b),
		Parameters: plan.total, ParameterShapes: plan.params, RunDir: cfg.RunDir, Build: buildinfo.Get(), StartedAt: start,
		Data: runfolder.DataInfo{Dir: mnist.Dir, Source: mnist.Source, Train: len(plan.trainIdx), Val: plan.valData.Len(), Test: mnist.Test.N, DataShape: DataShapeOf(mnist)},
	}
	if opts.member != nil {
		s.Group = opts.member.group.n
	}
	p := planned(b, cfg, plan, mnist, s.Data)
	p.Group = s.Group
	obs.report(p)
	if opts.member != nil {
		obs.report(Noted{fmt.Sprintf("training side by side with %s in one program (a group of %d)", human.Count(s.Group-1, "other run"), s.Group)})
	}
	if slow, ok := PrecisionNotFasterOn(cfg, cfg.Backend); ok {
		obs.report(slow)
	}

	prog, err := compileRun(ctx, b, cfg, plan, mnist, obs, opts, s)
	if err != nil {
		return nil, nil, err
	}
	defer func() {
		if !prog.watch.abandonedCall() { // a hung call may still use the resident data
			prog.Close()
		}
	}()
	cfg = prog.Config()

	l := &loop{cfg: cfg, prog: prog, obs: obs, summary: s, rd: folder.rd, st: folder.st, ckpts: folder.ckpts,
		dataset: folder.dataset, dataDir: mnist.Dir, data: DataShapeOf(mnist), afterCall: opts.afterCall,
		plannedEpochs: folder.plannedEpochs}
	if opts.Resume != nil {
		if err := l.resumeFrom(opts.Resume); err != nil {
			return nil, nil, err
		}
	}
	obs.report(memoryOf(cfg, prog, mnist))
	err = l.run(ctx, plan.valData, mnist.Test, opts, start)
	return s, prog, err
}

// runPlan is what a run is known to need before anything is written: the
// configuration (validated, with its steps per call and shards), the model,
// the split and the validation pipeline, and the model's parameters.
type runPlan struct {
	cfg      config.Config
	model    models.Model
	trainIdx []int
	valData  *data.Batches
	params   []models.Param
	total    int
}

// Check makes the checks of cfg against mnist that Run makes before it
// touches a backend or a run folder: the configuration fits the data, is
// valid, fits in memory, and its training split makes at least one batch.
// A caller about to make folders for several runs of one recipe (train
// --seeds) refuses the recipe with it first, as Run would refuse each run.
// A nil error does not promise that Run succeeds: the backend may still
// refuse the configuration.
func Check(cfg config.Config, mnist *data.MNIST) error {
	_, _, err := checkRun(&cfg, mnist)
	return err
}

// checkRun is Check on cfg, which it fits to mnist; it returns the
// training and validation split.
func checkRun(cfg *config.Config, mnist *data.MNIST) (trainIdx, valIdx []int, err error) {
	if err := cfg.FitData(mnist); err != nil {
		return nil, nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, nil, err
	}
	if err := CheckMemory(*cfg); err != nil { // before anything is allocated
		return nil, nil, err
	}
	trainIdx, valIdx, err = data.Split(mnist.Train.N, cfg.ValSplit, cfg.Seed)
	if err != nil {
		return nil, nil, err
	}
	// The training pipeline Compile makes (its steps per epoch do not
	// depend on the steps per call, chosen later), made here to refuse a
	// split too small for one batch before the run folder is touched.
	if _, err := trainBatches(*cfg, mnist.Train, trainIdx, "train"); err != nil {
		return nil, nil, err
	}
	return trainIdx, valIdx, nil
}

// planRun checks cfg against mnist and the machine's memory (checkRun)
// and makes the run's model, split and pipelines, before anything is
// allocated or written.
func planRun(b compute.Backend, cfg config.Config, mnist *data.MNIST) (*runPlan, error) {
	trainIdx, valIdx, err := checkRun(&cfg, mnist)
	if err != nil {
		return nil, err
	}
	m, err := models.New(cfg.Model)
	if err != nil {
		return nil, err
	}
	if cfg.StepsPerCall == 0 {
		cfg.StepsPerCall = AutoStepsPerCall(cfg, cfg.Backend, len(trainIdx)/cfg.BatchSize)
		cfg.AutoStepsPerCall = true
	}
	if cfg.Shards == 0 {
		cfg.Shards, cfg.AutoShards = AutoShards(cfg, cfg.Backend), true
	}
	if err := backend.PrepareShards(b, cfg.Backend, cfg.Shards); err != nil {
		return nil, err // here as well as in Compile: before the run folder is touched
	}
	valData, err := data.NewBatches(mnist.Train, valIdx, data.BatchOptions{BatchSize: EvalBatchSize, Prefetch: -1, Name: "validation"})
	if err != nil {
		return nil, err
	}
	params, total := models.ParamsOf(m)
	return &runPlan{cfg: cfg, model: m, trainIdx: trainIdx, valData: valData, params: params, total: total}, nil
}

// planned is the Planned event of a run about to compile.
func planned(b compute.Backend, cfg config.Config, plan *runPlan, mnist *data.MNIST, d runfolder.DataInfo) Planned {
	p := Planned{Config: cfg, Parameters: plan.total, Shapes: plan.params, Backend: backend.Summary(cfg.Backend, b), Data: d}
	if cfg.DataOnDevice {
		p.ResidentBytes = int64(len(mnist.Train.Images) + 4*mnist.Train.N)
		p.IndexBytes = int64(4 * cfg.BatchSize)
	}
	return p
}

// compileRun compiles the run's program (falling back to unrolled steps
// where a While loop does not compile, which the output notes), times it
// into s and gives the program the watchdog its calls run under.
func compileRun(ctx context.Context, b compute.Backend, cfg config.Config, plan *runPlan, mnist *data.MNIST, obs observers, opts Options, s *runfolder.Summary) (*Program, error) {
	compileStart := time.Now()
	cache := backend.StartCacheUse(cfg.Backend)
	prog, err := Compile(b, cfg, plan.model, mnist.Train, plan.trainIdx, ProgramOptions{
		Name: "train", Resume: opts.Resume, RefuseWhile: opts.Faults.RefuseWhile,
		Notes: func(note string) { obs.report(Noted{note}) }, group: opts.member.groupOf(),
	})
	if err != nil {
		return nil, backend.WithCacheInUse(cfg.Backend, err)
	}
	prog.watch = newWatchdog(ctx, opts)
	if opts.member != nil {
		prog.member = opts.member
		opts.member.join(prog)
		if err := opts.member.ready(); err != nil {
			return nil, err
		}
	}
	t := prog.Timing()
	s.InitSeconds, s.WarmupSeconds = t.Init.Seconds(), t.Warmup.Seconds()
	// Compile's own time is everything but the parts reported apart
	// (a fallback's failed attempt included).
	s.CompileSeconds = max(0, time.Since(compileStart).Seconds()-s.InitSeconds-s.WarmupSeconds)
	s.Hyperparameters = prog.Config()
	cache = cache.End()
	s.CompileCache = cache.State()
	// One compiled training call per batch shape (a smaller last batch is
	// another shape).
	shapes := len(prog.Batches().CallRows())
	if opts.member != nil {
		shapes = 0 // the group compiles the step
	}
	obs.report(Compiled{BatchShapes: shapes, GroupSteps: opts.member != nil, GroupCalls: prog.shared != nil, CompileSeconds: s.CompileSeconds,
		InitSeconds: s.InitSeconds, WarmupSeconds: s.WarmupSeconds, Cache: cache})
	return prog, nil
}

// memoryOf is what the run holds in memory once compiled.
func memoryOf(cfg config.Config, prog *Program, mnist *data.MNIST) Memory {
	var stateBytes int64
	for v := range prog.store.IterVariables() {
		stateBytes += int64(v.Shape().Memory())
	}
	return Memory{StateBytes: stateBytes, HostDataBytes: int64(len(mnist.Train.Images) + len(mnist.Test.Images)),
		PeakRSSMB: PeakRSSMB(), Device: backend.DeviceMemory(cfg.Backend)}
}

// run trains the epochs, then (when they ended normally) evaluates the test
// set and writes the summary; an interrupted or diverged run writes its
// summary too, and an abandoned call ends the run with the summary saying
// why.
func (l *loop) run(ctx context.Context, valData *data.Batches, test *data.Set, opts Options, start time.Time) error {
	runErr := l.epochs(ctx, l.prog.Batches(), valData)
	l.fillSummary()
	if l.st.Stop != "" && (runErr == nil || errors.Is(runErr, context.Canceled) || errors.Is(runErr, ErrDiverged)) {
		l.obs.report(Stopped{Reason: l.st.Stop, Because: l.st.StoppedBecause, Epochs: l.cfg.Epochs})
	}
	if err, ok := l.abandon(runErr, opts, start); ok {
		return err
	}
	if runErr == nil {
		if err := l.finish(test); err != nil {
			if err, ok := l.abandon(err, opts, start); ok {
				return err
			}
			return err
		}
	}
	if runErr == nil || errors.Is(runErr, context.Canceled) || errors.Is(runErr, ErrDiverged) {
		l.summary.WallSeconds = time.Since(start).Seconds()
		if err := l.rd.writeSummary(l.summary); err != nil {
			return err
		}
		l.obs.report(Finished{l.summary})
	}
	return runErr
}

func allIndices(n int) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return idx
}
