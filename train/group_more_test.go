package train

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/neurona/neurona/models"

	"github.com/neurona/neurona/train/config"
	"github.com/neurona/neurona/train/runfolder"
)

// sameFloats fails the test at the first value that differs.
func sameFloats(t *testing.T, what string, got, want map[string][]float32) {
	t.Helper()
	if len(got) == 0 || len(got) != len(want) {
		t.Fatalf("%s: %d variables, want %d", what, len(got), len(want))
	}
	for name, w := range want {
		g := got[name]
		if len(g) != len(w) {
			t.Fatalf("%s: %s has %d values, want %d", what, name, len(g), len(w))
		}
		for i := range w {
			if g[i] != w[i] {
				t.Fatalf("%s: %s[%d] = %g, want %g (bit for bit)", what, name, i, g[i], w[i])
			}
		}
	}
}

func TestGroupMemberDoesNotDependOnTheOthers(t *testing.T) {
	m := smallMNIST(t, 1100, 200)
	cfgs := groupRecipes("adam")
	pair := trainGroup(t, []config.Config{cfgs[0], cfgs[1]}, m)
	other := trainGroup(t, []config.Config{cfgs[2], cfgs[0]}, m)
	one := trainGroup(t, []config.Config{cfgs[0]}, m)
	// Another split: the partner's epochs end at other steps, and its last
	// batch has another size, so some steps run the two apart (masked).
	uneven := cfgs[1]
	uneven.ValSplit, uneven.Epochs = 0.3, 3
	apart := trainGroup(t, []config.Config{uneven, cfgs[0]}, m)
	for _, r := range []memberResult{pair[0], other[1], one[0], apart[0], apart[1]} {
		if r.err != nil {
			t.Fatal(r.err)
		}
	}
	sameFloats(t, "member 0 with member 2 instead of member 1", other[1].vars, pair[0].vars)
	sameFloats(t, "member 0 in a group of one", one[0].vars, pair[0].vars)
	sameFloats(t, "member 0 beside a member with another split", apart[1].vars, pair[0].vars)
}

func TestGroupMemberThatDivergesStopsAlone(t *testing.T) {
	m := smallMNIST(t, 1100, 200)
	cfgs := groupRecipes("sgd")
	for i := range cfgs { // a linear model on the squared error: a large rate overflows
		cfgs[i].Model.Activation, cfgs[i].Model.Loss, cfgs[i].LR = "linear", models.LossMSE, 0.01
	}
	cfgs[1].LR = 1e6
	group := trainGroup(t, cfgs, m)
	if !errors.Is(group[1].err, ErrDiverged) {
		t.Fatalf("member 1 (lr 1e6): %v, want a divergence", group[1].err)
	}
	if r := group[1].summary.Reason(); r != runfolder.StopDiverged {
		t.Errorf("member 1's summary says it stopped: %q", r)
	}
	healthy := trainGroup(t, []config.Config{cfgs[0], cfgs[2]}, m)
	for i, k := range []int{0, 2} {
		if group[k].err != nil {
			t.Fatalf("member %d: %v", k, group[k].err)
		}
		sameFloats(t, fmt.Sprintf("member %d beside a diverging one", k), group[k].vars, healthy[i].vars)
	}
}

func TestGroupMembersStopOnTheirOwnRules(t *testing.T) {
	m := smallMNIST(t, 1100, 200)
	cfgs := groupRecipes("adam")
	cfgs[0].Epochs = 1
	cfgs[1].Epochs, cfgs[1].Patience, cfgs[1].EarlyStopMonitor, cfgs[1].EarlyStopMinDelta = 6, 1, config.MonitorValLoss, 10
	cfgs[2].Epochs = 3
	group := trainGroup(t, cfgs, m)
	for i, want := range []int{1, 2, 3} {
		r := group[i]
		if r.err != nil {
			t.Fatalf("member %d: %v", i, r.err)
		}
		if r.summary.Epochs != want {
			t.Errorf("member %d trained %d epochs, want %d (%s)", i, r.summary.Epochs, want, r.summary.StoppedBecause)
		}
	}
	if !strings.Contains(group[1].summary.StoppedBecause, "did not improve") {
		t.Errorf("member 1 stopped because %q, not by its early stopping", group[1].summary.StoppedBecause)
	}
	alone := trainGroup(t, []config.Config{cfgs[2]}, m)
	sameFloats(t, "member 2 after the others stopped", group[2].vars, alone[0].vars)
}

func TestInterruptedGroupResumesBitForBit(t *testing.T) {
	m := smallMNIST(t, 1100, 200)
	cfgs := groupRecipes("adam")
	for i := range cfgs {
		cfgs[i].Epochs, cfgs[i].SaveEvery = 3, 10
	}
	whole := trainGroup(t, append([]config.Config(nil), cfgs...), m)

	dir := t.TempDir()
	for i := range cfgs {
		cfgs[i].RunDir = filepath.Join(dir, fmt.Sprintf("member-%d", i))
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stop := func(step int) {
		if step >= 25 {
			cancel()
		}
	}
	parts := trainGroupIn(t, ctx, cfgs, m, func(int) Options { return Options{afterCall: stop} })
	for i, r := range parts {
		if !errors.Is(r.err, context.Canceled) {
			t.Fatalf("member %d of the interrupted group: %v, want an interruption", i, r.err)
		}
	}
	resumed := trainGroupIn(t, context.Background(), cfgs, m, func(i int) Options {
		c, _, err := ResolveCheckpoint(cfgs[i].RunDir)
		if err != nil {
			t.Fatalf("member %d: %v", i, err)
		}
		return Options{Resume: c}
	})
	for i := range cfgs {
		if resumed[i].err != nil {
			t.Fatalf("member %d resumed: %v", i, resumed[i].err)
		}
		sameFloats(t, fmt.Sprintf("member %d resumed", i), resumed[i].vars, whole[i].vars)
		if *resumed[i].summary.TestAccuracy != *whole[i].summary.TestAccuracy {
			t.Errorf("member %d: test accuracy %.4f resumed, %.4f uninterrupted", i, *resumed[i].summary.TestAccuracy, *whole[i].summary.TestAccuracy)
		}
	}
}

func TestCompileGroupStepsTheMembersTogether(t *testing.T) {
	m := smallMNIST(t, 1100, 200)
	cfgs := groupRecipes("adam")
	b, name := newGoBackend(t)
	for i := range cfgs {
		cfgs[i].Backend = name
		if err := cfgs[i].FitData(m); err != nil {
			t.Fatal(err)
		}
		if err := cfgs[i].Validate(); err != nil {
			t.Fatal(err)
		}
	}
	model, err := models.New(cfgs[0].Model)
	if err != nil {
		t.Fatal(err)
	}
	programs, err := CompileGroup(b, cfgs, model, m.Train, allIndices(m.Train.N), ProgramOptions{})
	if err != nil {
		t.Fatal(err)
	}
	const steps = 5
	losses := make([][]float64, len(programs))
	errs := make([]error, len(programs))
	var wg sync.WaitGroup
	for i, p := range programs {
		wg.Go(func() {
			defer p.Leave()
			k := 0
			for batch, err := range p.Batches().Epoch(0) {
				if err != nil || k == steps {
					errs[i] = err
					_ = batch.Finalize()
					break
				}
				loss, _, err := p.TrainCall(batch)
				if err != nil {
					errs[i] = err
					return
				}
				losses[i] = append(losses[i], loss)
				k++
			}
		})
	}
	wg.Wait()
	for i := range programs {
		if errs[i] != nil || len(losses[i]) != steps {
			t.Fatalf("member %d: %d steps, error %v", i, len(losses[i]), errs[i])
		}
		if losses[i][steps-1] >= losses[i][0] {
			t.Errorf("member %d: the loss went from %g to %g in %d steps", i, losses[i][0], losses[i][steps-1], steps)
		}
	}
	if _, err := CompileGroup(b, []config.Config{cfgs[0], config.Defaults(models.Perceptron)}, model, m.Train, allIndices(m.Train.N), ProgramOptions{}); err == nil {
		t.Error("CompileGroup took the averaged perceptron beside an MLP")
	}
	// A group no machine's memory holds is refused before anything is
	// allocated (each member alone would need about 48 TB).
	huge := cfgs[0]
	huge.Model.Hidden = []int{1_000_000, 1_000_000}
	if err := huge.Validate(); err != nil {
		t.Fatal(err)
	}
	hugeModel, err := models.New(huge.Model)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := CompileGroup(b, []config.Config{huge, huge}, hugeModel, m.Train, allIndices(m.Train.N), ProgramOptions{}); !errors.Is(err, ErrMemory) {
		t.Errorf("CompileGroup of two members of 2 layers of a million units: %v, want ErrMemory", err)
	}
}

// A resumed run's configuration names no backend (the checkpoint does not
// record the request) and joins a group beside a new run that names the
// backend chosen: a sweep resumed after a kill regroups such pairs.
func TestGroupTakesAResumedRunBesideANewOne(t *testing.T) {
	m := smallMNIST(t, 1100, 200)
	cfgs := groupRecipes("adam")
	cfgs[0].RunDir = filepath.Join(t.TempDir(), "first")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stop := func(step int) {
		if step >= 5 {
			cancel()
		}
	}
	if r := trainGroupIn(t, ctx, cfgs[:1], m, func(int) Options { return Options{afterCall: stop} }); !errors.Is(r[0].err, context.Canceled) {
		t.Fatalf("the first run: %v, want an interruption", r[0].err)
	}
	c, _, err := ResolveCheckpoint(cfgs[0].RunDir)
	if err != nil {
		t.Fatal(err)
	}
	resumed, _, _, _, err := ResumeConfig(c)
	if err != nil {
		t.Fatal(err)
	}
	resumed.RunDir = cfgs[0].RunDir
	fresh := cfgs[1]
	fresh.RunDir, fresh.Backend = filepath.Join(t.TempDir(), "second"), "go"
	g := NewGroup(2)
	errs := make([]error, 2)
	var wg sync.WaitGroup
	wg.Go(func() { _, errs[0] = g.Run(context.Background(), resumed, m, Options{Resume: c}) })
	wg.Go(func() { _, errs[1] = g.Run(context.Background(), fresh, m, Options{}) })
	wg.Wait()
	if errs[0] != nil || errs[1] != nil {
		t.Fatalf("resumed: %v; new: %v", errs[0], errs[1])
	}
}

// A group step that never returns (a backend that deadlocks) holds no
// member: each member's watchdog abandons its call, and its run ends with
// the abandoned call's error instead of hanging.
func TestGroupStepThatHangsIsAbandoned(t *testing.T) {
	m := smallMNIST(t, 1100, 200)
	cfgs := groupRecipes("adam")[:2]
	g := NewGroup(len(cfgs))
	g.hang = make(chan struct{})
	defer close(g.hang)
	errs := make([]error, len(cfgs))
	var wg sync.WaitGroup
	for i, cfg := range cfgs {
		cfg.RunDir, cfg.Backend = filepath.Join(t.TempDir(), "run"), "go"
		wg.Go(func() {
			_, errs[i] = g.Run(context.Background(), cfg, m, Options{watchdog: watchdogOptions{floor: 200 * time.Millisecond}})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if !errors.Is(err, ErrCallAbandoned) {
			t.Errorf("member %d: %v, want its call abandoned", i, err)
		}
	}
}
