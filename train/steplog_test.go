package train

import (
	"context"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train/config"
	"github.com/neurona/neurona/train/runfolder"
)

// TestStepLinesCadence trains 2 epochs of 6 steps (270 training images in
// batches of 50, the last of 20) and checks which steps get a step line in
// metrics.jsonl, and what the lines say.
func TestStepLinesCadence(t *testing.T) {
	m := smallMNIST(t, 300, 100)
	goBackend, name := newGoBackend(t)
	for _, tc := range []struct {
		name                   string
		logEvery, stepsPerCall int
		want                   func(callEnds []int) []int
	}{
		{"automatic logging of a 12-step run writes every step", config.LogEveryAuto, 1,
			func([]int) []int { return []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12} }},
		{"every 5 steps writes steps 5 and 10", 5, 1, func([]int) []int { return []int{5, 10} }},
		{"0 writes epoch lines only", 0, 1, func([]int) []int { return nil }},
		{"calls of 4 steps write at the end of the call that passes each multiple of 5", 5, 4, func(ends []int) []int {
			var want []int
			for _, multiple := range []int{5, 10} {
				i := slices.IndexFunc(ends, func(e int) bool { return e >= multiple })
				want = append(want, ends[i])
			}
			return want
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := config.Defaults(models.MLP)
			cfg.Model.Hidden, cfg.Epochs, cfg.BatchSize = []int{8}, 2, 50
			cfg.Schedule, cfg.Warmup, cfg.LR = "constant", 0, 0.002
			cfg.LogEvery, cfg.StepsPerCall, cfg.Backend = tc.logEvery, tc.stepsPerCall, name
			cfg.RunDir = filepath.Join(t.TempDir(), "run")
			var ends []int
			opts := Options{afterCall: func(step int) { ends = append(ends, step) }}
			if _, _, err := execute(context.Background(), goBackend, cfg, m, opts); err != nil {
				t.Fatal(err)
			}
			got, damaged, err := runfolder.ReadRunMetrics(filepath.Join(cfg.RunDir, "metrics.jsonl"))
			if err != nil || len(damaged) > 0 {
				t.Fatalf("ReadRunMetrics: %v %q", err, damaged)
			}
			if len(got.Epochs) != 2 {
				t.Errorf("%d epoch lines, want 2", len(got.Epochs))
			}
			var steps []int
			for _, s := range got.Steps {
				steps = append(steps, s.GlobalStep)
				if s.Kind != runfolder.StepKind || s.LR != cfg.LR || !(s.TrainLoss > 0) || s.Epochs <= 0 || s.Epochs > 2 {
					t.Errorf("step %d's line: kind %q, lr %g (want %g), loss %g, epochs %g", s.GlobalStep, s.Kind, s.LR, cfg.LR, s.TrainLoss, s.Epochs)
				}
			}
			if want := tc.want(ends); !slices.Equal(steps, want) {
				t.Errorf("step lines at steps %v, want %v (calls ended at %v)", steps, want, ends)
			}
			if tc.logEvery == config.LogEveryAuto {
				// One line a step: weighted by the steps' examples, the
				// first epoch's step losses average to its epoch loss.
				var sum float64
				for i, s := range got.Steps[:6] {
					n := 50.0
					if i == 5 {
						n = 20
					}
					sum += s.TrainLoss * n
				}
				if mean := sum / 270; math.Abs(mean-got.Epochs[0].TrainLoss) > 1e-9 {
					t.Errorf("step losses average to %g, epoch 1's loss is %g", mean, got.Epochs[0].TrainLoss)
				}
			}
		})
	}
}

func TestParseMetricsTellsLinesApart(t *testing.T) {
	for _, tc := range []struct {
		name           string
		line           string
		epochs, steps  int
		damagedMessage string
	}{
		{"an epoch line is an epoch", `{"epoch":1,"global_step":5,"train_loss":0.5,"train_accuracy":0.8}`, 1, 0, ""},
		{"a step line is a step", `{"kind":"step","global_step":3,"epochs":0.5,"train_loss":0.7,"lr":0.01}`, 0, 1, ""},
		{"a line of a newer kind is skipped silently", `{"kind":"histogram","global_step":3}`, 0, 0, ""},
		{"a step line at step 0 is damaged", `{"kind":"step","global_step":0,"epochs":0}`, 0, 0, "step 0"},
		{"a step line at negative epochs is damaged", `{"kind":"step","global_step":2,"epochs":-1}`, 0, 0, "at epoch -1"},
		{"a kind that is not a string is damaged", `{"kind":7,"epoch":1}`, 0, 0, "cannot unmarshal"},
		{"an epoch line at epoch 0 is damaged", `{"epoch":0}`, 0, 0, "epoch 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, damaged := runfolder.ParseMetrics("metrics.jsonl", []byte(tc.line+"\n"))
			if len(m.Epochs) != tc.epochs || len(m.Steps) != tc.steps {
				t.Errorf("%d epochs and %d steps, want %d and %d", len(m.Epochs), len(m.Steps), tc.epochs, tc.steps)
			}
			switch {
			case tc.damagedMessage == "" && len(damaged) > 0:
				t.Errorf("damaged %q, want none", damaged)
			case tc.damagedMessage != "" && (len(damaged) != 1 || !strings.Contains(damaged[0], tc.damagedMessage)):
				t.Errorf("damaged %q, want one line saying %q", damaged, tc.damagedMessage)
			}
		})
	}
}

func FuzzParseMetrics(f *testing.F) {
	f.Add([]byte(`{"epoch":1,"global_step":5,"train_loss":0.5}` + "\n" + `{"kind":"step","global_step":3,"epochs":0.5}`))
	f.Add([]byte(`{"kind":"step","global_step":1e400}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, _ := runfolder.ParseMetrics("m", raw)
		for _, e := range m.Epochs {
			if e.Epoch < 1 {
				t.Fatalf("accepted epoch %d", e.Epoch)
			}
		}
		for _, s := range m.Steps {
			if s.GlobalStep < 1 || !(s.Epochs >= 0) || math.IsInf(s.Epochs, 0) {
				t.Fatalf("accepted step %d at epochs %g", s.GlobalStep, s.Epochs)
			}
		}
	})
}
