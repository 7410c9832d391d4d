package train

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"

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
