package train

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/neurona/neurona/data"
	"github.com/neurona/neurona/internal/human"
	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train/backend"
	"github.com/neurona/neurona/train/checkpoint"
	"github.com/neurona/neurona/train/config"
)

// ErrWhileLoop is wrapped by the error of Compile (and Run) when the While
// loop of a multi-step training call did not compile and Config.Loop asked
// for it by name; with Loop "" Compile runs unrolled steps instead.
var ErrWhileLoop = errors.New("the While loop of the training call did not compile")

// ProgramOptions are Compile's settings besides the configuration.
type ProgramOptions struct {
	// Steps is how many training steps the program is to run, which the
	// cosine schedule decays the learning rate over; 0 means Config.Epochs
	// epochs of the training pipeline.
	Steps int
	// Name names the training pipeline in errors ("train" when empty).
	Name string
	// Resume starts from the variables saved in this checkpoint (weights,
	// optimizer state, random-number state) instead of fresh ones.
	Resume *checkpoint.Checkpoint
	// Notes, when set, is told what Compile worked around: the While loop
	// that did not compile, and the unrolled steps run instead.
	Notes func(note string)

	// RefuseWhile makes building a While loop fail, as on a backend
	// without one (tests of the fallback to unrolled steps).
	RefuseWhile bool

	// group: the program trains in this Group, whose program runs its
	// steps: its own training call is not compiled (its variables are
	// made), and where the group shares them it evaluates and predicts
	// through the group's calls (sharedCalls).
	group *Group
}

// Compile makes cfg's program for model m on backend b, training on
// set[indices]: the training pipeline (Program.Batches: cfg's batch size
// and steps per call, shuffled with cfg.Seed), the variables (fresh from
// cfg.Seed, or opts.Resume's), the dataset kept on the device with
// cfg.DataOnDevice, and every call shape of an epoch and the evaluation
// call compiled, so that compilation is timed apart from training. The
// variables get their values and the first-use costs are paid here too
// (Program.Timing says how long each part took), so that the first
// training call costs what the others cost.
//
// cfg must be valid (Config.Validate) and cfg.Backend the name of b;
// cfg.StepsPerCall 0 picks the steps per call as Run does
// (AutoStepsPerCall), and cfg.Shards 0 the shards (AutoShards; the Go
// backend's worker pool is readied for them: backend.PrepareShards). When
// the While loop of a multi-step call does not compile and cfg.Loop is ""
// (the default), Compile compiles unrolled steps instead (the same weights;
// automatic steps per call are picked again) and tells opts.Notes;
// Program.Config says what it runs. A While loop asked for by name
// (LoopWhile) fails instead, with an error wrapping ErrWhileLoop.
func Compile(b compute.Backend, cfg config.Config, m models.Model, set *data.Set, indices []int, opts ProgramOptions) (*Program, error) {
	if opts.Name == "" {
		opts.Name = "train"
	}
	stepsPerEpoch := len(indices) / cfg.BatchSize
	if cfg.StepsPerCall == 0 {
		cfg.StepsPerCall = AutoStepsPerCall(cfg, cfg.Backend, stepsPerEpoch)
		cfg.AutoStepsPerCall = true
	}
	if cfg.Shards == 0 {
		cfg.Shards, cfg.AutoShards = AutoShards(cfg, cfg.Backend), true
	}
	if err := backend.PrepareShards(b, cfg.Backend, cfg.Shards); err != nil {
		return nil, err
	}
	var p *Program
	_, note, err := withLoopFallback(cfg, stepsPerEpoch, func(cfg config.Config) error {
		var err error
		p, err = compileProgram(b, cfg, m, set, indices, opts)
		return err
	})
	if note != "" && opts.Notes != nil {
		opts.Notes(note)
	}
	if err != nil {
		return nil, err
	}
	return p, nil
}

// compileProgram is Compile without the fallback. An error wraps
// ErrWhileLoop when the While loop is what failed to compile.
func compileProgram(b compute.Backend, cfg config.Config, m models.Model, set *data.Set, indices []int, opts ProgramOptions) (*Program, error) {
	batches, err := trainBatches(cfg, set, indices, opts.Name)
	if err != nil {
		return nil, err
	}
	steps := opts.Steps
	if steps == 0 {
		steps = cfg.Epochs * batches.StepsPerEpoch()
	}
	p, err := newProgram(b, cfg, m, steps)
	if err != nil {
		return nil, err
	}
	p.batches = batches
	p.warmupSteps = int(math.Round(cfg.Warmup * float64(batches.StepsPerEpoch())))
	p.breakWhile = opts.RefuseWhile
	p.groupMember = opts.group != nil
	if p.groupMember {
		p.shared = opts.group.calls()
	}
	if cfg.DataOnDevice && !p.groupMember { // a member's group keeps the data
		p.makeResident(set)
	}
	if opts.Resume != nil {
		if err := loadVariables(p.store, opts.Resume.Variables); err != nil {
			p.Close()
			return nil, fmt.Errorf("checkpoint %s: %w", opts.Resume.Dir, err)
		}
	}
	start := time.Now()
	if err := p.compile(batches.CallRows()); err != nil {
		p.Close()
		return nil, err
	}
	p.timing.Compile = time.Since(start)
	start = time.Now()
	if err := p.initialize(); err != nil {
		p.Close()
		return nil, err
	}
	p.timing.Init = time.Since(start)
	start = time.Now()
	if err := p.warmUp(); err != nil {
		p.Close()
		return nil, err
	}
	p.timing.Warmup = time.Since(start)
	return p, nil
}

// trainBatches is cfg's training pipeline over set[indices], refused when
// an epoch of it holds no step.
func trainBatches(cfg config.Config, set *data.Set, indices []int, name string) (*data.Batches, error) {
	batches, err := data.NewBatches(set, indices, data.BatchOptions{
		BatchSize: cfg.BatchSize, StepsPerCall: cfg.StepsPerCall, Shuffle: true, Seed: cfg.Seed,
		DropLast: cfg.DropLast, Name: name, IndicesOnly: cfg.DataOnDevice})
	if err != nil {
		return nil, err
	}
	if batches.StepsPerEpoch() == 0 {
		return nil, fmt.Errorf("%w: %d training examples make no batch of %d", config.ErrConfig, len(indices), cfg.BatchSize)
	}
	return batches, nil
}

// withLoopFallback calls build with cfg. When the While loop did not
// compile and no loop was asked for (Config.Loop ""), it calls build again
// with unrolled steps (the results are the same; automatic steps per call
// are picked again for them) and returns the configuration used and a note
// that says so. A loop asked for by name fails instead.
func withLoopFallback(cfg config.Config, stepsPerEpoch int, build func(config.Config) error) (config.Config, string, error) {
	err := build(cfg)
	if !errors.Is(err, ErrWhileLoop) || cfg.Loop != "" {
		return cfg, "", err
	}
	cfg.Loop = config.LoopUnroll
	if cfg.AutoStepsPerCall {
		cfg.StepsPerCall = AutoStepsPerCall(cfg, cfg.Backend, stepsPerEpoch)
	}
	note := fmt.Sprintf("the While loop did not compile on %s (%s); running %s instead", cfg.Backend, firstLine(err.Error()), PerCall(cfg))
	return cfg, note, build(cfg)
}

// PerCall says how many steps cfg runs at a time (in one compiled call,
// Config.StepsPerCall), in a user's words: "one step at a time", "16 steps at
// a time (unrolled)".
func PerCall(cfg config.Config) string {
	switch {
	case cfg.StepsPerCall == 1:
		return "one step at a time"
	case cfg.Loop == config.LoopUnroll:
		return human.Count(cfg.StepsPerCall, "step") + " at a time (unrolled)"
	default:
		return human.Count(cfg.StepsPerCall, "step") + " at a time"
	}
}

// firstLine keeps the first line of s: GoMLX errors may carry a stack.
func firstLine(s string) string {
	first, _, _ := strings.Cut(s, "\n")
	return first
}

// compile compiles the training call for each row count in rows and the
// evaluation call, so that compilation is timed apart from training.
func (p *Program) compile(rows []int) error {
	inputs := p.model.Spec().Inputs
	if p.groupMember {
		// The group's program trains it; its step's variables are made
		// here (the group stacks them) without compiling its own.
		rows = nil
		if _, err := p.stepVariables(p.cfg.BatchSize); err != nil {
			return err
		}
	}
	for _, r := range rows {
		var err error
		if p.residentX != nil {
			_, err = p.residentExec.Compile(p.residentX.Shape(), p.residentY.Shape(), shapes.Make(dtypes.Int32, r))
		} else {
			_, err = p.trainExec.Compile(shapes.Make(dtypes.Uint8, r, inputs), shapes.Make(dtypes.Int32, r))
		}
		if err != nil {
			if steps, _ := p.stepsIn(r); steps > 1 && p.cfg.Loop != config.LoopUnroll {
				return fmt.Errorf("%w (%d steps per call): %w", ErrWhileLoop, steps, err)
			}
			return fmt.Errorf("compile train call of %d rows: %w", r, err)
		}
	}
	if p.shared != nil {
		return p.shared.compile(p)
	}
	if _, err := p.evalExec.Compile(shapes.Make(dtypes.Uint8, EvalBatchSize, inputs), shapes.Make(dtypes.Int32, EvalBatchSize)); err != nil {
		return fmt.Errorf("compile eval call: %w", err)
	}
	return nil
}
