package train

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/neurona/neurona/train/config"
	"github.com/neurona/neurona/train/runfolder"
)

// A group that shares its evaluation and prediction calls (on XLA, where
// each compilation costs seconds) gives its members the validation and
// test results, predictions included, that their own calls give, bit for
// bit; the calls are built once, and no member builds its own.
func TestGroupSharesItsEvaluationAndPredictionCalls(t *testing.T) {
	m := smallMNIST(t, 1100, 200)
	train := func(share bool) ([]*runfolder.Summary, *Group) {
		cfgs := groupRecipes("adam")
		g := NewGroup(len(cfgs))
		g.share = share
		out := make([]*runfolder.Summary, len(cfgs))
		var wg sync.WaitGroup
		for i, cfg := range cfgs {
			cfg.Backend = "go"
			cfg.RunDir = filepath.Join(t.TempDir(), fmt.Sprintf("member-%d", i))
			wg.Go(func() {
				s, err := g.Run(context.Background(), cfg, m, Options{})
				if err != nil {
					t.Errorf("member %d (share %v): %v", i, share, err)
				}
				out[i] = s
			})
		}
		wg.Wait()
		if t.Failed() {
			t.FailNow()
		}
		return out, g
	}

	own, _ := train(false)
	shared, g := train(true)
	for i := range own {
		a, b := own[i], shared[i]
		if *a.BestValAccuracy != *b.BestValAccuracy || *a.ValLoss != *b.ValLoss || *a.TestLoss != *b.TestLoss || *a.TestAccuracy != *b.TestAccuracy {
			t.Errorf("member %d: val %v/%v, test %v/%v with its own calls; val %v/%v, test %v/%v through the group's",
				i, *a.BestValAccuracy, *a.ValLoss, *a.TestLoss, *a.TestAccuracy, *b.BestValAccuracy, *b.ValLoss, *b.TestLoss, *b.TestAccuracy)
		}
		if !slices.Equal(a.Evaluation.Predicted, b.Evaluation.Predicted) || !slices.EqualFunc(a.Evaluation.Probs, b.Evaluation.Probs, slices.Equal) {
			t.Errorf("member %d: the test set's predictions or probabilities differ through the group's calls", i)
		}
	}
	if g.shared == nil || g.shared.builds != 1 || !g.shared.ended {
		t.Fatalf("the group's calls: %+v, want built once and freed when the group ended", g.shared)
	}
	for i, s := range g.slots {
		if s.prog.shared != g.shared {
			t.Errorf("member %d used calls of its own", i)
		}
	}
}

// Members whose data is on the device (as on XLA) hand in their examples'
// indices, and the group's step gathers their batches from its one copy
// of the training set: they train bit for bit as members that hand in
// their pixels (as on the Go backend).
func TestGroupMembersOnResidentDataTrainAsOnPixels(t *testing.T) {
	m := smallMNIST(t, 1100, 200)
	train := func(resident bool) []map[string][]float32 {
		cfgs := groupRecipes("sgd")
		g := NewGroup(len(cfgs))
		placed := map[bool]string{false: "off", true: "on"}[resident]
		var wg sync.WaitGroup
		dirs := make([]string, len(cfgs))
		for i, cfg := range cfgs {
			cfg.Backend = "go"
			cfg.RunDir = filepath.Join(t.TempDir(), fmt.Sprintf("member-%d", i))
			dirs[i] = cfg.RunDir
			wg.Go(func() {
				s, err := g.Run(context.Background(), cfg, m, Options{DataOnDevice: placed})
				if err != nil {
					t.Errorf("member %d (resident %v): %v", i, resident, err)
				} else if s.Hyperparameters.DataOnDevice != resident {
					t.Errorf("member %d records data on the device %v, want %v", i, s.Hyperparameters.DataOnDevice, resident)
				}
			})
		}
		wg.Wait()
		if t.Failed() {
			t.FailNow()
		}
		var out []map[string][]float32
		for _, d := range dirs {
			out = append(out, checkpointFloats(t, d))
		}
		return out
	}
	pixels, resident := train(false), train(true)
	for i := range pixels {
		sameFloats(t, fmt.Sprintf("member %d on resident data", i), resident[i], pixels[i])
	}

	// Members asking for their data in two places: whichever asks second is
	// refused before it writes anything.
	g := NewGroup(2)
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i, placed := range []string{"on", "off"} {
		cfg := groupRecipes("sgd")[i]
		cfg.Backend, cfg.RunDir = "go", filepath.Join(t.TempDir(), "member")
		wg.Go(func() { _, errs[i] = g.Run(context.Background(), cfg, m, Options{DataOnDevice: placed}) })
	}
	wg.Wait()
	refused := 0
	for _, err := range errs {
		if errors.Is(err, config.ErrConfig) && strings.Contains(err.Error(), "keep their data in one place") {
			refused++
		} else if err != nil {
			t.Errorf("a member of a group asking for its data in two places: %v", err)
		}
	}
	if refused != 1 {
		t.Errorf("%d of two members asking for their data in two places were refused, want 1 (%v)", refused, errs)
	}
}
