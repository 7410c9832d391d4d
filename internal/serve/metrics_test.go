package serve

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/neurona/neurona/train/runfolder"
)

// TestMetricsAnswerStepLines checks that /metrics gives metrics.jsonl's
// step lines beside its epoch lines, for the live view's step curves, and
// empty lists (never null) for a run that has written none yet.
func TestMetricsAnswerStepLines(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name          string
		steps, epochs int
	}{
		{"a run with step lines", 3, 2},
		{"a run of epoch lines only", 0, 2},
		{"a run that has written no line yet", 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			run := filepath.Join(dir, filepath.Base(t.Name()))
			if err := os.Mkdir(run, 0o755); err != nil {
				t.Fatal(err)
			}
			f, err := os.Create(filepath.Join(run, "metrics.jsonl"))
			if err != nil {
				t.Fatal(err)
			}
			for i := 1; i <= tc.steps; i++ {
				b, _ := json.Marshal(runfolder.StepMetrics{Kind: runfolder.StepKind, GlobalStep: 30 * i, Epochs: 0.3 * float64(i), TrainLoss: 1 / float64(i), LR: 0.01})
				if _, err := f.Write(append(b, '\n')); err != nil {
					t.Fatal(err)
				}
			}
			if err := f.Close(); err != nil {
				t.Fatal(err)
			}
			if tc.epochs > 0 {
				writeMetrics(t, run, 1, tc.epochs)
			}
			_, hs := newServer(t, dir)
			var raw map[string]json.RawMessage
			if code := get(t, hs, "/api/runs/"+filepath.Base(run)+"/metrics", &raw); code != 200 {
				t.Fatalf("status %d", code)
			}
			var m Metrics
			for _, key := range []string{"epochs", "steps"} {
				if string(raw[key]) == "null" || raw[key] == nil {
					t.Errorf("%q is %s, want a list", key, raw[key])
				}
			}
			b, _ := json.Marshal(raw)
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatal(err)
			}
			if len(m.Steps) != tc.steps || len(m.Epochs) != tc.epochs || m.DamagedLines != 0 {
				t.Errorf("%d steps, %d epochs, %d damaged; want %d, %d and 0", len(m.Steps), len(m.Epochs), m.DamagedLines, tc.steps, tc.epochs)
			}
			if tc.steps > 0 && (m.Steps[1].GlobalStep != 60 || m.Steps[1].LR != 0.01) {
				t.Errorf("second step line %+v, want step 60 at lr 0.01", m.Steps[1])
			}
		})
	}
}
