package runs

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeRun writes a run folder: summary (nil: none, as a crash leaves it)
// and one metrics line per validation accuracy.
func fakeRun(t *testing.T, dir string, summary map[string]any, vals ...float64) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var lines []byte
	for i, v := range vals {
		b, _ := json.Marshal(map[string]any{"epoch": i + 1, "val_accuracy": v, "elapsed_seconds": float64(i + 1)})
		lines = append(append(lines, b...), '\n')
	}
	if err := os.WriteFile(filepath.Join(dir, "metrics.jsonl"), lines, 0o644); err != nil {
		t.Fatal(err)
	}
	if summary != nil {
		b, _ := json.Marshal(summary)
		if err := os.WriteFile(filepath.Join(dir, "summary.json"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func fakeRuns(t *testing.T) string {
	root := t.TempDir()
	hp := func(lr float64, batch int) map[string]any {
		return map[string]any{"optimizer": "adam", "lr": lr, "batch_size": batch, "epochs": 2}
	}
	model := map[string]any{"name": "mlp", "inputs": 784, "classes": 10, "hidden": []int{64}, "activation": "relu", "loss": "softmax_ce"}
	fakeRun(t, filepath.Join(root, "a"), map[string]any{"model": model, "hyperparameters": hp(1e-3, 128), "epochs": 2,
		"best_val_accuracy": 0.95, "test_accuracy": 0.94, "stopped_because": "reached --epochs 2", "train_seconds": 3, "backend": "go"}, 0.9, 0.95)
	fakeRun(t, filepath.Join(root, "sweep", "trial-001"), map[string]any{"model": model, "hyperparameters": hp(3e-3, 64), "epochs": 1,
		"best_val_accuracy": 0.97, "test_accuracy": 0.96, "stopped_because": "validation accuracy did not improve for 2 epochs (--patience)", "train_seconds": 1}, 0.97)
	fakeRun(t, filepath.Join(root, "b"), map[string]any{"model": model, "hyperparameters": hp(1e-3, 128), "epochs": 1,
		"stopped_because": "interrupted"}, 0.8)
	fakeRun(t, filepath.Join(root, "c"), nil, 0.5, 0.6)
	os.MkdirAll(filepath.Join(root, "not-a-run"), 0o755)
	return root
}

func TestFindAndList(t *testing.T) {
	root := fakeRuns(t)
	l, err := Find(root)
	runs := l.Runs
	if err != nil {
		t.Fatal(err)
	}
	status := map[string]string{}
	for _, r := range runs {
		status[r.Name] = r.Status
	}
	want := map[string]string{"a": Finished, filepath.Join("sweep", "trial-001"): StoppedEarly, "b": Interrupted, "c": Crashed}
	if len(status) != len(want) {
		t.Fatalf("found %v, want %v", status, want)
	}
	for k, v := range want {
		if status[k] != v {
			t.Errorf("%s: %q, want %q", k, status[k], v)
		}
	}
	if err := Sort(runs, "val"); err != nil {
		t.Fatal(err)
	}
	if runs[0].Name != filepath.Join("sweep", "trial-001") || runs[3].Name != "b" {
		t.Errorf("by val: %s first, %s last", runs[0].Name, runs[3].Name)
	}
	if err := Sort(runs, "size"); err == nil || !strings.Contains(err.Error(), "accepted: name, started, val, test, time") {
		t.Errorf("Sort(size) = %v", err)
	}
	var b bytes.Buffer
	if err := WriteList(&b, runs); err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{"c  -  -  -  -  crashed  2  0.6000  -  2.0s  -", "a  mlp 784-64-10 relu softmax_ce  adam  0.001  128  finished  2  0.9500  0.9400  3.0s  go"} {
		if !strings.Contains(strings.Join(strings.Fields(b.String()), " "), strings.Join(strings.Fields(line), " ")) {
			t.Errorf("list lacks %q:\n%s", line, b.String())
		}
	}
}

func TestCompare(t *testing.T) {
	root := fakeRuns(t)
	runs := []Run{Describe(filepath.Join(root, "a"), "a"), Describe(filepath.Join(root, "sweep", "trial-001"), "t1")}
	if got := strings.Join(Differing(runs), ","); got != "batch_size,lr" {
		t.Errorf("Differing = %s", got)
	}
	var b bytes.Buffer
	if err := WriteCompare(&b, runs); err != nil {
		t.Fatal(err)
	}
	out := strings.Join(strings.Fields(b.String()), " ")
	for _, want := range []string{"* lr 0.001 0.003", "optimizer adam adam", "best val accuracy 0.9500 0.9700", "epoch 2 val accuracy 0.9500 -"} {
		if !strings.Contains(out, want) {
			t.Errorf("compare lacks %q:\n%s", want, b.String())
		}
	}
	png := filepath.Join(t.TempDir(), CompareFile)
	if err := ComparePicture(png, runs); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(png); err != nil || st.Size() == 0 {
		t.Errorf("compare.png: %v", err)
	}
}
