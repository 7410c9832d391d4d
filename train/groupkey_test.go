package train

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/neurona/neurona/data"
	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train/backend"
	"github.com/neurona/neurona/train/config"
)

func TestGroupKey(t *testing.T) {
	base := config.Defaults(models.MLP)
	base.Backend = "go"
	change := func(f func(c *config.Config)) config.Config {
		c := base
		c.Model.Hidden = append([]int(nil), base.Model.Hidden...)
		f(&c)
		return c
	}
	for _, tc := range []struct {
		name  string
		cfg   config.Config
		same  bool   // the key is base's
		alone string // "" key: the reason says this
	}{
		{"another learning rate, seed, schedule and warm-up", change(func(c *config.Config) {
			c.LR, c.Seed, c.Schedule, c.Warmup = 0.1, 7, "constant", 0
		}), true, ""},
		{"other epochs, split and stopping rules", change(func(c *config.Config) {
			c.Epochs, c.ValSplit, c.Patience, c.RestoreBest, c.SaveEvery = 9, 0.2, 2, false, 10
		}), true, ""},
		{"adamw beside adam, with its weight decay", change(func(c *config.Config) { c.Optimizer, c.WeightDecay = "adamw", 0.05 }), true, ""},
		{"other shards, steps per call and data placement", change(func(c *config.Config) {
			c.Shards, c.StepsPerCall, c.DataOnDevice = 3, 8, true
		}), true, ""},
		{"another width", change(func(c *config.Config) { c.Model.Hidden = []int{64} }), false, ""},
		{"another batch size", change(func(c *config.Config) { c.BatchSize = 128 }), false, ""},
		{"another optimizer", change(func(c *config.Config) { c.Optimizer = "sgd" }), false, ""},
		{"another backend", change(func(c *config.Config) { c.Backend = "xla:cuda" }), false, ""},
		{"bf16", change(func(c *config.Config) { c.Precision = config.PrecisionBF16 }), false, "f32 only"},
		{"averaged beside not averaged", change(func(c *config.Config) { c.Average = true }), false, ""},
		{"the averaged perceptron: its own key", config.Defaults(models.Perceptron), false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want, _ := GroupKey(base)
			got, why := GroupKey(tc.cfg)
			switch {
			case tc.alone != "":
				if got != "" || !strings.Contains(why, tc.alone) {
					t.Errorf("key %q, reason %q; want no key and a reason saying %q", got, why, tc.alone)
				}
			case got == "":
				t.Errorf("no key (%s)", why)
			case (got == want) != tc.same:
				t.Errorf("same key as the default recipe: %v, want %v", got == want, tc.same)
			}
		})
	}
	// A resumed run's configuration names no backend (the checkpoint does
	// not record the request): it groups with runs on the backend chosen.
	chosen, err := backend.Choose("")
	if err != nil {
		t.Fatal(err)
	}
	unnamed, named := change(func(c *config.Config) { c.Backend = "" }), change(func(c *config.Config) { c.Backend = chosen })
	if k1, _ := GroupKey(unnamed); k1 == "" || k1 != func() string { k, _ := GroupKey(named); return k }() {
		t.Errorf("a run naming no backend and one naming %s (the backend chosen) have other keys", chosen)
	}
	sgd := change(func(c *config.Config) { c.Optimizer, c.Momentum = "sgd", 0.9 })
	other := change(func(c *config.Config) { c.Optimizer, c.Momentum = "sgd", 0.5 })
	plain := change(func(c *config.Config) { c.Optimizer, c.Momentum = "sgd", 0 })
	k1, _ := GroupKey(sgd)
	k2, _ := GroupKey(other)
	k3, _ := GroupKey(plain)
	if k1 != k2 || k1 == k3 {
		t.Errorf("SGD momentum 0.9 and 0.5 share a key: %v (want true); 0.9 and 0: %v (want false)", k1 == k2, k1 == k3)
	}
}

func TestGroupGoesOnWithoutAMemberThatFailsToStart(t *testing.T) {
	m := smallMNIST(t, 1100, 200)
	cfgs := groupRecipes("adam")
	cfgs[1].BatchSize = 0 // refused before it compiles
	group := trainGroup(t, cfgs, m)
	if group[1].err == nil {
		t.Fatal("member 1 (batch size 0) trained")
	}
	alone := trainGroup(t, []config.Config{cfgs[0], cfgs[2]}, m)
	for i, k := range []int{0, 2} {
		if group[k].err != nil {
			t.Fatalf("member %d: %v", k, group[k].err)
		}
		if group[k].summary.Group != 3 {
			t.Errorf("member %d's summary records a group of %d, want 3", k, group[k].summary.Group)
		}
		sameFloats(t, "a member beside one that failed to start", group[k].vars, alone[i].vars)
	}
}

// A group keeps one copy of the training set, from which every member's
// batches are gathered: a member whose training set holds other examples
// is refused with a configuration error (whichever of two joins second),
// and one given a copy of the same examples trains as beside the original.
func TestGroupMembersTrainOnOneDataSet(t *testing.T) {
	m := smallMNIST(t, 1100, 200)
	copied, other := *m, *m
	copied.Train = &data.Set{Images: slices.Clone(m.Train.Images), Labels: slices.Clone(m.Train.Labels), N: m.Train.N, Rows: m.Train.Rows, Cols: m.Train.Cols}
	other.Train = m.Train.First(1000)
	cfgs := groupRecipes("adam")[:2]
	train := func(sets []*data.MNIST) []error {
		g := NewGroup(len(sets))
		errs := make([]error, len(sets))
		var wg sync.WaitGroup
		for i, set := range sets {
			cfgs[i].RunDir = filepath.Join(t.TempDir(), fmt.Sprintf("member-%d", i))
			cfg := cfgs[i]
			cfg.Backend = "go"
			wg.Go(func() { _, errs[i] = g.Run(context.Background(), cfg, set, Options{}) })
		}
		wg.Wait()
		return errs
	}

	errs := train([]*data.MNIST{m, &other})
	refused := 0
	for i, err := range errs {
		switch {
		case err == nil:
		case errors.Is(err, config.ErrConfig) && strings.Contains(err.Error(), "one data set"):
			refused++
			if _, err := os.Stat(cfgs[i].RunDir); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("the refused member's run folder: %v, want it not written", err)
			}
		default:
			t.Errorf("member %d: %v", i, err)
		}
	}
	if refused != 1 {
		t.Errorf("%d of two members on different data were refused, want 1 (errors %v)", refused, errs)
	}

	if errs := train([]*data.MNIST{m, &copied}); errs[0] != nil || errs[1] != nil {
		t.Fatalf("members on copies of one data set: %v", errs)
	}
	withCopy := []map[string][]float32{checkpointFloats(t, cfgs[0].RunDir), checkpointFloats(t, cfgs[1].RunDir)}
	same := trainGroup(t, slices.Clone(cfgs), m)
	for i := range same {
		if same[i].err != nil {
			t.Fatalf("member %d: %v", i, same[i].err)
		}
		sameFloats(t, "a member beside one on a copy of its data", withCopy[i], same[i].vars)
	}
}

// A group the machine's memory cannot hold is refused, every member with
// the same memory error, before any member writes its run folder.
func TestGroupThatMemoryCannotHoldIsRefused(t *testing.T) {
	m := smallMNIST(t, 1100, 200)
	cfgs := groupRecipes("adam")[:2]
	g := NewGroup(len(cfgs))
	errs := make([]error, len(cfgs))
	var wg sync.WaitGroup
	for i, cfg := range cfgs {
		cfg.Backend = "go"
		cfg.Model.Hidden = []int{1_000_000, 1_000_000} // each alone about 48 TB
		cfg.RunDir = filepath.Join(t.TempDir(), fmt.Sprintf("member-%d", i))
		cfgs[i] = cfg
		wg.Go(func() { _, errs[i] = g.Run(context.Background(), cfg, m, Options{}) })
	}
	wg.Wait()
	for i, err := range errs {
		var me *MemoryError
		if !errors.As(err, &me) || me.Members != 2 {
			t.Errorf("member %d: %v, want the memory error of a group of 2", i, err)
		}
		if _, err := os.Stat(cfgs[i].RunDir); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("member %d's run folder: %v, want it not written", i, err)
		}
	}
}
