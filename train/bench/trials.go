package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/gomlx/compute"
	"github.com/neurona/neurona/data"
	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train"
	"github.com/neurona/neurona/train/backend"
	"github.com/neurona/neurona/train/config"
)

// MaxTrials bounds a group's size: each trial holds its own weights and
// optimizer state.
const MaxTrials = 256

// TrialResult is the training speed of a group of Trials trials of one
// shape (backend, model, batch, precision), their seeds Base.Seed,
// Base.Seed+1, ...: a call trains every trial of the group.
type TrialResult struct {
	Backend   string `json:"backend"`
	Model     string `json:"model"`
	Batch     int    `json:"batch"`
	Precision string `json:"precision"`
	Trials    int    `json:"trials"`
	// Grouped says the trials trained in one program with a trial axis;
	// false: each trial's program, called one after another.
	Grouped bool `json:"grouped"`
	// NotGroupedBecause says why a group of more than one trial was not
	// grouped (train.GroupKey's words).
	NotGroupedBecause string  `json:"not_grouped_because,omitempty"`
	StepsPerCall      int     `json:"steps_per_call"`
	CompileSeconds    float64 `json:"compile_seconds"` // every trial's program
	// StepsPerSecond are the group's steps (each trains every trial one
	// step) per second, the median over the repeats.
	StepsPerSecond float64 `json:"steps_per_second"`
	// TrialStepsPerSecond is StepsPerSecond × Trials: steps x trials per second.
	TrialStepsPerSecond float64 `json:"trial_steps_per_second"`
	// VsOneTrial is TrialStepsPerSecond over one trial's, at the same
	// backend, batch and precision (1 for one trial).
	VsOneTrial float64 `json:"vs_one_trial"`
	Spread     float64 `json:"spread"` // (max-min)/median of the repeats
}

// trialGroup is a group of trials compiled for timing: members (one
// program with a trial axis) or oneByOne.
type trialGroup interface {
	// call trains every trial of the group one call's steps; it returns
	// the steps (per trial).
	call() (steps int, err error)
	// config is the first trial's configuration as compiled.
	config() config.Config
	grouped() bool
	close()
}

// compileGroup compiles the trials cfgs, of one shape, on b for timing:
// as one program with a trial axis (train.CompileGroup) when
// train.GroupKey groups them, else each trial as its own program, called
// one after another (why says why). One trial is always compiled alone,
// as `neurona train` trains it: the reference a group is compared with.
func compileGroup(b compute.Backend, cfgs []config.Config, m models.Model, set *data.Set, trainIdx [][]int, opts train.ProgramOptions) (g trialGroup, why string, err error) {
	if len(cfgs) == 1 {
		g, err = compileOneByOne(b, cfgs, m, set, trainIdx, opts)
		return g, "", err
	}
	if key, why := train.GroupKey(cfgs[0]); key == "" {
		g, err = compileOneByOne(b, cfgs, m, set, trainIdx, opts)
		return g, why, err
	}
	progs, err := train.CompileGroup(b, cfgs, m, set, trainIdx[0], opts)
	if err != nil {
		return nil, "", err
	}
	mg := &members{progs: progs, left: make([]bool, len(progs))}
	for _, p := range progs {
		mg.streams = append(mg.streams, batchStream(p.Batches(), "the training set"))
	}
	return mg, "", nil
}

// RunTrials measures, for every backend, batch size and precision of cfg,
// the training speed of groups of each size of cfg.Trials (one trial
// measured first, the reference, whether listed or not), calling progress
// (when not nil) after each measurement.
func RunTrials(ctx context.Context, cfg Config, mnist *data.MNIST, progress func(TrialResult)) ([]TrialResult, error) {
	if err := cfg.Base.FitData(mnist); err != nil {
		return nil, err
	}
	sizes := []int{1}
	for _, k := range cfg.Trials {
		if k < 1 || k > MaxTrials {
			return nil, fmt.Errorf("bench: a group of %d trials (want 1 to %d)", k, MaxTrials)
		}
		if !slices.Contains(sizes, k) {
			sizes = append(sizes, k)
		}
	}
	precisions := cfg.Precisions
	if len(precisions) == 0 {
		precisions = []string{cfg.Base.PrecisionName()}
	}
	var results []TrialResult
	for _, name := range cfg.Backends {
		for _, batch := range cfg.Batches {
			for _, precision := range precisions {
				var one float64
				for _, k := range sizes {
					if err := ctx.Err(); err != nil {
						return results, err
					}
					bc := cfg
					bc.Base.Precision = precision
					r, err := measureTrials(ctx, bc, name, batch, k, mnist)
					if err != nil {
						return results, fmt.Errorf("bench %s batch %d %s, %d trials: %w", name, batch, precision, k, err)
					}
					if k == 1 {
						one = r.TrialStepsPerSecond
					}
					if one > 0 {
						r.VsOneTrial = r.TrialStepsPerSecond / one
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

// measureTrials times the training calls of a group of k trials of bc.Base
// at batch on the backend named, as measureTraining times one trial's.
func measureTrials(ctx context.Context, bc Config, backendName string, batch, k int, mnist *data.MNIST) (TrialResult, error) {
	// As train.Group does: the Go backend configured for k trials' work.
	cfg, _, backendName, err := checkedConfig(bc.Base, backendName, batch, k, mnist)
	if err != nil {
		return TrialResult{}, err
	}
	b, name, err := backend.NewWith(backendName, backend.Options{Cache: bc.CompileCache, Warn: bc.Warn})
	if err != nil {
		return TrialResult{}, err
	}
	defer b.Finalize()
	cfg.Backend = name
	cfg.DataOnDevice = bc.DataOnDevice == "on" || ((bc.DataOnDevice == "auto" || bc.DataOnDevice == "") && !backend.IsGo(name))
	cfg.DropLast = true // whole batches only: every timed step has batch examples
	cfgs := make([]config.Config, k)
	trainIdx := make([][]int, k)
	for i := range cfgs {
		cfgs[i] = cfg
		cfgs[i].Seed = cfg.Seed + uint64(i)
		if trainIdx[i], _, err = data.Split(mnist.Train.N, cfg.ValSplit, cfgs[i].Seed); err != nil {
			return TrialResult{}, err
		}
	}
	m, err := models.New(cfg.Model)
	if err != nil {
		return TrialResult{}, err
	}
	r := TrialResult{Backend: name, Model: cfg.Model.String(), Batch: batch, Precision: cfg.PrecisionName(), Trials: k}
	start := time.Now()
	g, why, err := compileGroup(b, cfgs, m, mnist.Train, trainIdx, train.ProgramOptions{Steps: 1 << 30, Name: "bench-trials", RefuseWhile: bc.Faults.RefuseWhile})
	if err != nil {
		return r, backend.WithCacheInUse(name, err)
	}
	r.NotGroupedBecause = why
	defer g.close()
	r.CompileSeconds = time.Since(start).Seconds()
	r.Grouped, r.StepsPerCall = g.grouped(), g.config().StepsPerCall
	perSecond, _, _, err := timeRepeats(ctx, bc, g.call)
	if err != nil {
		return r, err
	}
	r.StepsPerSecond = median(perSecond)
	r.TrialStepsPerSecond = r.StepsPerSecond * float64(k)
	r.Spread = (slices.Max(perSecond) - slices.Min(perSecond)) / r.StepsPerSecond
	return r, nil
}

// oneByOne is a group of trials each compiled as its own program.
type oneByOne struct {
	progs   []*train.Program
	streams []func(stop bool) (batchT, error)
}

// compileOneByOne compiles each trial of cfgs as its own train.Program.
func compileOneByOne(b compute.Backend, cfgs []config.Config, m models.Model, set *data.Set, trainIdx [][]int, opts train.ProgramOptions) (trialGroup, error) {
	g := &oneByOne{}
	for i, cfg := range cfgs {
		p, err := train.Compile(b, cfg, m, set, trainIdx[i], opts)
		if err != nil {
			g.close()
			return nil, err
		}
		g.progs = append(g.progs, p)
		g.streams = append(g.streams, batchStream(p.Batches(), "the training set"))
	}
	return g, nil
}

func (g *oneByOne) call() (int, error) {
	steps := 0
	for i, p := range g.progs {
		batch, err := g.streams[i](false)
		if err != nil {
			return 0, err
		}
		steps = batch.Spec.(data.Group).Steps
		if _, _, err := p.TrainCall(batch.Batch); err != nil {
			return 0, err
		}
	}
	return steps, nil
}

func (g *oneByOne) config() config.Config { return g.progs[0].Config() }
func (g *oneByOne) grouped() bool         { return false }

func (g *oneByOne) close() {
	for i, p := range g.progs {
		g.streams[i](true)
		p.Close()
	}
}

// TrialsTable writes the groups' speeds as an aligned table: per group
// size, its steps per second, the steps x trials per second, and how many
// times one trial's that is.
func TrialsTable(w io.Writer, results []TrialResult) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "backend\tbatch\tprecision\ttrials\ttrained\tcompile s\tsteps/s\tsteps x trials/s\tvs 1 trial\tspread\t")
	for _, r := range results {
		how := "alone"
		switch {
		case r.Grouped:
			how = "grouped"
		case r.Trials > 1:
			how = "one by one"
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%d\t%s\t%.2f\t%.1f\t%.1f\t%.2fx\t%.1f%%\t\n", r.Backend, r.Batch, r.Precision, r.Trials, how,
			r.CompileSeconds, r.StepsPerSecond, r.TrialStepsPerSecond, r.VsOneTrial, 100*r.Spread)
	}
	return tw.Flush()
}

// members are the programs of a train.CompileGroup: a call hands every
// member's batch to the group from a goroutine of its own, and returns
// when the group's step has trained them all.
type members struct {
	progs   []*train.Program
	streams []func(stop bool) (batchT, error)
	left    []bool
}

func (g *members) call() (int, error) {
	steps := make([]int, len(g.progs))
	errs := make([]error, len(g.progs))
	var wg sync.WaitGroup
	for i, p := range g.progs {
		wg.Go(func() {
			batch, err := g.streams[i](false)
			if err == nil {
				steps[i] = batch.Spec.(data.Group).Steps
				_, _, err = p.TrainCall(batch.Batch)
			}
			if err != nil {
				// Out of the group, so that the others' step runs
				// without it: the measurement stops with err.
				errs[i], g.left[i] = err, true
				p.Leave()
			}
		})
	}
	wg.Wait()
	return steps[0], errors.Join(errs...)
}

func (g *members) config() config.Config { return g.progs[0].Config() }
func (g *members) grouped() bool         { return true }

func (g *members) close() {
	for i, p := range g.progs {
		g.streams[i](true)
		if !g.left[i] {
			p.Leave()
		}
		p.Close()
	}
}
