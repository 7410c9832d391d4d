package train

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"path/filepath"
	"sync"
	"testing"

	"github.com/neurona/neurona/data"
	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train/config"
	"github.com/neurona/neurona/train/runfolder"
)

// memberResult is one member's summary and final variables (read from its
// last checkpoint: what a user resumes or evaluates).
type memberResult struct {
	summary *runfolder.Summary
	vars    map[string][]float32
	err     error
}

// trainGroup trains cfgs as one group, each member in its own goroutine
// and run folder, and returns each member's result.
func trainGroup(t *testing.T, cfgs []config.Config, m *data.MNIST) []memberResult {
	t.Helper()
	for i := range cfgs {
		cfgs[i].RunDir = filepath.Join(t.TempDir(), fmt.Sprintf("member-%d", i))
	}
	return trainGroupIn(t, context.Background(), cfgs, m, func(int) Options { return Options{} })
}

// trainGroupIn is trainGroup in the members' own run folders (cfg.RunDir),
// under ctx, with each member's options.
func trainGroupIn(t *testing.T, ctx context.Context, cfgs []config.Config, m *data.MNIST, opts func(i int) Options) []memberResult {
	t.Helper()
	g := NewGroup(len(cfgs))
	out := make([]memberResult, len(cfgs))
	var wg sync.WaitGroup
	for i, cfg := range cfgs {
		cfg.Backend = "go"
		wg.Go(func() {
			s, err := g.Run(ctx, cfg, m, opts(i))
			out[i] = memberResult{summary: s, err: err}
			if err == nil {
				out[i].vars = checkpointFloats(t, cfg.RunDir)
			}
		})
	}
	wg.Wait()
	return out
}

// checkpointFloats reads the float32 variables of a run's last checkpoint.
func checkpointFloats(t *testing.T, runDir string) map[string][]float32 {
	c, _, err := ResolveCheckpoint(runDir)
	if err != nil {
		t.Errorf("checkpoint of %s: %v", runDir, err)
		return nil
	}
	out := map[string][]float32{}
	for _, v := range c.Variables {
		if v.DType != "Float32" {
			continue
		}
		f := make([]float32, len(v.Data)/4)
		for i := range f {
			f[i] = math.Float32frombits(binary.LittleEndian.Uint32(v.Data[4*i:]))
		}
		out[v.Path] = f
	}
	return out
}

// groupRecipes are members that differ in what a group allows.
func groupRecipes(optimizer string) []config.Config {
	base := config.Defaults(models.MLP)
	base.Model.Hidden = []int{32}
	base.Optimizer, base.Epochs, base.BatchSize, base.ValSplit, base.Shards = optimizer, 2, 50, 0.1, 1
	var cfgs []config.Config
	for i, lr := range []float64{3e-3, 1e-3, 6e-3} {
		c := base
		c.Seed = uint64(i + 1)
		c.LR = lr
		switch optimizer {
		case "sgd":
			c.LR, c.Momentum = lr*30, 0.5+0.2*float64(i)
		case "adamw":
			c.WeightDecay = []float64{0, 0.01, 0.05}[i]
		}
		c.Schedule = []string{"cosine", "constant", "cosine"}[i]
		c.Warmup = []float64{0.5, 0, 0}[i]
		cfgs = append(cfgs, c)
	}
	return cfgs
}

// averagedPerceptrons are the perceptron's recipe (averaged, SGD, keeping
// its best epoch) with other seeds, rates and batch 50.
func averagedPerceptrons() []config.Config {
	var cfgs []config.Config
	for i, lr := range []float64{1, 0.5, 2} {
		c := config.Defaults(models.Perceptron)
		c.Seed, c.LR, c.Epochs, c.BatchSize, c.ValSplit = uint64(i+1), lr, 2, 50, 0.1
		cfgs = append(cfgs, c)
	}
	return cfgs
}

func TestGroupMembersTrainAsAlone(t *testing.T) {
	m := smallMNIST(t, 1100, 1000)
	for _, opt := range []string{"adam", "adamw", "sgd", "averaged perceptron"} {
		t.Run(opt, func(t *testing.T) {
			cfgs := groupRecipes(opt)
			if opt == "averaged perceptron" {
				cfgs = averagedPerceptrons()
			}
			group := trainGroup(t, cfgs, m)
			for i, cfg := range cfgs {
				if group[i].err != nil {
					t.Fatalf("member %d: %v", i, group[i].err)
				}
				cfg.StepsPerCall = 1
				alone, weights := runWeights(t, cfg, m)
				got, want := *group[i].summary.TestAccuracy, *alone.TestAccuracy
				if math.Abs(got-want) > 0.002 {
					t.Errorf("member %d (lr %g seed %d): test accuracy %.4f in the group, %.4f alone", i, cfg.LR, cfg.Seed, got, want)
				}
				worst := 0.0
				for name, a := range weights {
					b := group[i].vars[name]
					if len(a) != len(b) {
						t.Fatalf("member %d: %s has %d values in the group, %d alone", i, name, len(b), len(a))
					}
					for k := range a {
						worst = max(worst, math.Abs(float64(a[k]-b[k]))/(1+math.Abs(float64(a[k]))))
					}
				}
				if worst > 1e-3 {
					t.Errorf("member %d: variables differ by up to %.2g (relative) from the run alone", i, worst)
				}
				t.Logf("member %d: test %.4f group, %.4f alone; variables within %.2g", i, got, want, worst)
			}
		})
	}
}
