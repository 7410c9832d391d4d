package train

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/gomlx/compute"
	"github.com/neurona/neurona/data"
	"github.com/neurona/neurona/internal/human"
	"github.com/neurona/neurona/internal/testhook"
	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train/backend"
	"github.com/neurona/neurona/train/checkpoint"
)

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

	// CompileCache sets up XLA's compile cache for xla:cuda (the zero
	// value: on, in the user's cache folder).
	CompileCache backend.CacheOptions

	afterCall  func(globalStep int) // tests: called after each training call
	breakWhile bool                 // tests: building a While loop fails, as on a backend without one
	watchdog   watchdogOptions      // tests: a shorter floor and grace, calls that hang
}

// Run trains cfg.Model on mnist, reports progress to out and writes the run
// folder. On ctx cancellation it stops after the current call, saves a
// checkpoint and the summary of what it did, and returns ctx.Err(). Resuming
// a run that would train no further writes why to out and returns
// ErrNothingToTrain, its folder untouched.
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
	b, name, err := backend.NewWith(requested, opts.CompileCache)
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
	if _, err := savedConfig(c.Dir, meta.Config); err != nil {
		return cfg, 0, 0, "", err
	}
	return meta.Config, meta.State.GlobalStep, meta.State.Epoch, meta.Dataset, nil
}

// SavedConfig reads the configuration saved in the checkpoint in dir,
// reading and checking its manifest and meta.json only (not the weights),
// and validates it: what a list of runs shows of a run without a summary.
func SavedConfig(dir string) (Config, error) {
	b, err := checkpoint.ReadMeta(dir)
	if err != nil {
		return Config{}, err
	}
	var meta checkpointMeta
	if err := json.Unmarshal(b, &meta); err != nil {
		return Config{}, fmt.Errorf("checkpoint %s: %s: %w", dir, checkpoint.MetaFile, err)
	}
	return savedConfig(dir, meta.Config)
}

// RunDirOf is the run folder a checkpoint belongs to.
func RunDirOf(c *checkpoint.Checkpoint) string { return filepath.Dir(filepath.Dir(c.Dir)) }

// execute is Run on a given backend; it also returns the program, whose
// store holds the trained variables. Its steps: plan the run (nothing is
// written before the configuration and the data are known to fit), open
// its folder, compile the program, train the epochs, evaluate and write the
// summary.
func execute(ctx context.Context, b compute.Backend, cfg Config, mnist *data.MNIST, out io.Writer, opts Options) (*Summary, *Program, error) {
	start := time.Now()
	if opts.Resume != nil {
		// Checked before anything is compiled, locked or written: a run
		// with nothing left to train keeps its folder as it is.
		if why, nothing := NothingToTrain(opts.Resume, cfg.Epochs); nothing {
			fmt.Fprintln(out, why)
			return nil, nil, ErrNothingToTrain
		}
	}
	plan, err := planRun(b, cfg, mnist)
	if err != nil {
		return nil, nil, err
	}
	cfg = plan.cfg
	folder, err := openRun(cfg, mnist, out, opts, start)
	if err != nil {
		return nil, nil, err
	}
	defer folder.close()
	cfg.RunDir = folder.dir

	s := &Summary{
		Model: cfg.Model, Hyperparameters: cfg, Backend: cfg.Backend, BackendDescription: backend.Summary(cfg.Backend, b),
		Parameters: plan.total, ParameterShapes: plan.params, RunDir: cfg.RunDir, Build: Build(), StartedAt: start,
		Data: DataInfo{Dir: mnist.Dir, Source: mnist.Source, Train: len(plan.trainIdx), Val: plan.valData.Len(), Test: mnist.Test.N, DataShape: DataShapeOf(mnist)},
	}
	printPlan(out, b, cfg, plan, mnist)

	prog, err := compileRun(ctx, b, cfg, plan, mnist, out, opts, s)
	if err != nil {
		return nil, nil, err
	}
	defer func() {
		if !prog.watch.abandonedCall() { // a hung call may still use the resident data
			prog.Close()
		}
	}()
	cfg = prog.Config()

	l := &loop{cfg: cfg, prog: prog, out: out, summary: s, rd: folder.rd, st: folder.st, ckpts: folder.ckpts,
		dataset: folder.dataset, dataDir: mnist.Dir, data: DataShapeOf(mnist), afterCall: opts.afterCall,
		plannedEpochs: folder.plannedEpochs}
	if opts.Resume != nil {
		if err := l.resumeFrom(opts.Resume); err != nil {
			return nil, nil, err
		}
	}
	printMemory(out, cfg, prog, mnist)
	err = l.run(ctx, plan.valData, mnist.Test, opts, start)
	return s, prog, err
}

// runPlan is what a run is known to need before anything is written: the
// configuration (validated, with its steps per call), the model, the split
// and the validation pipeline, and the model's parameters.
type runPlan struct {
	cfg      Config
	model    models.Model
	trainIdx []int
	valData  *data.Batches
	params   []models.Param
	total    int
}

// planRun checks cfg against mnist and the machine's memory and makes the
// run's model, split and pipelines, before anything is allocated or written.
func planRun(b compute.Backend, cfg Config, mnist *data.MNIST) (*runPlan, error) {
	if err := cfg.FitData(mnist); err != nil {
		return nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := CheckMemory(cfg); err != nil { // before anything is allocated
		return nil, err
	}
	m, err := models.New(cfg.Model)
	if err != nil {
		return nil, err
	}
	trainIdx, valIdx, err := data.Split(mnist.Train.N, cfg.ValSplit, cfg.Seed)
	if err != nil {
		return nil, err
	}
	if cfg.StepsPerCall == 0 {
		cfg.StepsPerCall = AutoStepsPerCall(cfg, cfg.Backend, len(trainIdx)/cfg.BatchSize)
		cfg.AutoStepsPerCall = true
	}
	// The training pipeline Compile makes, made here to refuse a split too
	// small for one batch before the run folder is touched.
	if _, err := trainBatches(cfg, mnist.Train, trainIdx, "train"); err != nil {
		return nil, err
	}
	valData, err := data.NewBatches(mnist.Train, valIdx, data.BatchOptions{BatchSize: EvalBatchSize, Prefetch: -1, Name: "validation"})
	if err != nil {
		return nil, err
	}
	params, total, err := models.Params(b, m)
	if err != nil {
		return nil, err
	}
	return &runPlan{cfg: cfg, model: m, trainIdx: trainIdx, valData: valData, params: params, total: total}, nil
}

// Recipe says in a line how c trains, beyond the model and the batch:
// "adam lr 0.006, 0.5-epoch warm-up, cosine schedule, averaged weights"
// (the parts that apply). train's and bench's output
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
	return strings.Join(parts, ", ")
}

// printPlan writes the lines that open a run's output: the model, the
// backend, the data and the recipe.
func printPlan(out io.Writer, b compute.Backend, cfg Config, plan *runPlan, mnist *data.MNIST) {
	fmt.Fprintf(out, "model    %s, %d parameters:", cfg.Model, plan.total)
	for _, p := range plan.params {
		fmt.Fprintf(out, " %s %v", p.Name, p.Shape)
	}
	fmt.Fprintf(out, "\nbackend  %s\ndata     %s: %d train, %d validation, %d test\n",
		backend.Summary(cfg.Backend, b), data.Describe(mnist.Dir, mnist.Source), len(plan.trainIdx), plan.valData.Len(), mnist.Test.N)
	fmt.Fprintf(out, "train    %s, batch %d, %s, up to %s, seed %d -> %s\n",
		cfg.Recipe(), cfg.BatchSize, perCall(cfg), human.Count(cfg.Epochs, "epoch"), cfg.Seed, cfg.RunDir)
	if cfg.DataOnDevice {
		fmt.Fprintf(out, "data     resident on the device: %s of images and labels, %s of indices sent per step\n",
			human.Bytes(int64(len(mnist.Train.Images)+4*mnist.Train.N)), human.Bytes(int64(4*cfg.BatchSize)))
	}
}

// compileRun compiles the run's program (falling back to unrolled steps
// where a While loop does not compile, which the output notes), times it
// into s and gives the program the watchdog its calls run under.
func compileRun(ctx context.Context, b compute.Backend, cfg Config, plan *runPlan, mnist *data.MNIST, out io.Writer, opts Options, s *Summary) (*Program, error) {
	compileStart := time.Now()
	cache := backend.StartCacheUse(cfg.Backend)
	prog, err := Compile(b, cfg, plan.model, mnist.Train, plan.trainIdx, ProgramOptions{
		Name: "train", Resume: opts.Resume, breakWhile: opts.breakWhile,
		Notes: func(note string) { fmt.Fprintf(out, "note     %s\n", note) },
	})
	if err != nil {
		if hint := backend.CacheHint(cfg.Backend); hint != "" {
			return nil, fmt.Errorf("%w%s", err, hint)
		}
		return nil, err
	}
	prog.watch = newWatchdog(ctx, opts)
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
	fmt.Fprintf(out, "compile  the training step (%s) and the evaluation step in %.2fs; variables initialized in %.2fs, first use warmed up in %.2fs\n",
		human.Count(len(prog.Batches().CallRows()), "batch shape"), s.CompileSeconds, s.InitSeconds, s.WarmupSeconds)
	if cache.Dir != "" {
		fmt.Fprintf(out, "compile  %s\n", cache)
	}
	return prog, nil
}

// printMemory writes what the run holds in memory once compiled.
func printMemory(out io.Writer, cfg Config, prog *Program, mnist *data.MNIST) {
	var stateBytes int64
	for v := range prog.store.IterVariables() {
		stateBytes += int64(v.Shape().Memory())
	}
	fmt.Fprintf(out, "memory   model and optimizer state %s, data on the host %s, process peak so far %.0f MB\n",
		human.Bytes(stateBytes), human.Bytes(int64(len(mnist.Train.Images)+len(mnist.Test.Images))), PeakRSSMB())
	if mem := backend.DeviceMemory(cfg.Backend); mem != "" {
		fmt.Fprintf(out, "memory   %s\n", mem)
	}
}

// run trains the epochs, then (when they ended normally) evaluates the test
// set and writes the summary; an interrupted or diverged run writes its
// summary too, and an abandoned call ends the run with the summary saying
// why.
func (l *loop) run(ctx context.Context, valData *data.Batches, test *data.Set, opts Options, start time.Time) error {
	runErr := l.epochs(ctx, l.prog.Batches(), valData)
	l.fillSummary()
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
		testhook.Reach("summary written")
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
