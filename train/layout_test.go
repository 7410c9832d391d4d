package train

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train/config"
)

// TestBothWeightLayoutsTrainLoadAndResume trains a small MLP with each
// weight layout: its checkpoint holds the first layer in that layout; it
// loads to give the test accuracy the run printed, and resumes. The layout
// "" is that of every MLP checkpoint written before LayoutOutputsInputs
// became the default, which must keep working.
func TestBothWeightLayoutsTrainLoadAndResume(t *testing.T) {
	m := smallMNIST(t, 400, 100)
	for _, tc := range []struct {
		layout string
		first  []int // the shape of /hidden_0/dense/weights
	}{
		{"", []int{784, 8}},
		{models.LayoutOutputsInputs, []int{8, 784}},
	} {
		t.Run(fmt.Sprintf("layout %q", tc.layout), func(t *testing.T) {
			cfg := config.Defaults(models.MLP)
			cfg.Model.Hidden, cfg.Model.Layout = []int{8}, tc.layout
			cfg.Epochs, cfg.BatchSize = 1, 50
			s, _, out, err := runWith(t, cfg, m, Options{})
			if err != nil {
				t.Fatalf("train: %v\n%s", err, out)
			}
			c, skipped, err := ResolveCheckpoint(s.RunDir)
			if err != nil {
				t.Fatal(err, skipped)
			}
			for _, v := range c.Variables {
				if v.Path == "/hidden_0/dense/weights" && !slices.Equal(v.Shape, tc.first) {
					t.Errorf("first layer saved as %v, want %v", v.Shape, tc.first)
				}
			}
			engine, name := newGoBackend(t)
			trained, err := LoadTrained(engine, c)
			if err != nil {
				t.Fatal(err)
			}
			e, err := trained.Evaluate(m.Test)
			if err != nil {
				t.Fatal(err)
			}
			if e.Accuracy != *s.TestAccuracy {
				t.Errorf("the loaded checkpoint's test accuracy is %g, the run's %g", e.Accuracy, *s.TestAccuracy)
			}
			more := cfg
			more.RunDir, more.Backend, more.Epochs = s.RunDir, name, 2
			resumed, _, err := execute(context.Background(), engine, more, m, Options{Resume: c})
			if err != nil || resumed.Epochs != 2 {
				t.Errorf("resume to 2 epochs: %v (%v epochs)", err, resumed)
			}
		})
	}
}
