package train

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train/config"
	"github.com/neurona/neurona/train/runfolder"
)

func TestReadMetricsSkipsDamagedLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "metrics.jsonl")
	text := `{"epoch":1,"global_step":5,"train_loss":0.5,"train_accuracy":0.8}
garbage
{"epoch":0}

{"epoch":2,"global_step":10,"train_loss":0.4,"train_accuracy":0.9}
{"epoch":3,"global_st`
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	ms, damaged, err := runfolder.ReadMetrics(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2 || ms[0].Epoch != 1 || ms[1].Epoch != 2 {
		t.Errorf("read %+v", ms)
	}
	want := []string{path + ":2: ", path + ":3: ", path + ":6: "}
	if len(damaged) != len(want) {
		t.Fatalf("damaged = %q, want lines 2, 3 and 6", damaged)
	}
	for i, w := range want {
		if !strings.HasPrefix(damaged[i], w) || !strings.Contains(damaged[i], "damaged line skipped") {
			t.Errorf("damaged[%d] = %q, want it to start with %q", i, damaged[i], w)
		}
	}
}

// TestResumeRestoresDamagedEpochLines interrupts a run in its third epoch,
// damages metrics.jsonl as a crash (a truncated last line) or an edit (a
// garbage line) can, and resumes: the damaged epochs' lines come back from
// the checkpoints, with a warning naming the file and line.
func TestResumeRestoresDamagedEpochLines(t *testing.T) {
	m := smallMNIST(t, 300, 100)
	cfg := config.Defaults(models.MLP)
	cfg.Model.Hidden, cfg.Epochs, cfg.BatchSize, cfg.KeepLast = []int{8}, 3, 50, 5
	cfg.LogEvery = 0 // epoch lines only: the damage below is to them
	goBackend, name := newGoBackend(t)
	cfg.Backend = name

	whole := cfg
	whole.RunDir = filepath.Join(t.TempDir(), "whole")
	if _, _, err := execute(context.Background(), goBackend, whole, m, Options{}); err != nil {
		t.Fatal(err)
	}

	cfg.RunDir = filepath.Join(t.TempDir(), "parts")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stop := func(step int) {
		if step >= 14 { // 6 steps an epoch: in the third
			cancel()
		}
	}
	if _, _, err := execute(ctx, goBackend, cfg, m, Options{afterCall: stop}); err == nil {
		t.Fatal("the run was not interrupted")
	}
	c, _, err := ResolveCheckpoint(cfg.RunDir)
	if err != nil {
		t.Fatal(err)
	}
	if c.Manifest.Epoch != 2 || c.Manifest.Reason != "interrupt" {
		t.Fatalf("interrupted at epoch %d (%s), want during epoch 3", c.Manifest.Epoch, c.Manifest.Reason)
	}
	path := filepath.Join(cfg.RunDir, "metrics.jsonl")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	if len(lines) != 2 {
		t.Fatalf("metrics.jsonl before the damage:\n%s", raw)
	}
	// Epoch 1's line becomes garbage, epoch 2's is cut in half.
	damaged := "not json at all\n" + lines[1][:len(lines[1])/2]
	if err := os.WriteFile(path, []byte(damaged), 0o644); err != nil {
		t.Fatal(err)
	}

	var warnings []string
	warn := func(e Event) {
		if w, ok := e.(Warned); ok {
			warnings = append(warnings, w.Warning.Error())
		}
	}
	var out eventLog
	if _, _, err := executeLogged(context.Background(), goBackend, cfg, m, &out, Options{Resume: c, Observers: []Observer{warn}}); err != nil {
		t.Fatalf("resume: %v\n%s", err, out.String())
	}
	all := strings.Join(warnings, "\n")
	for _, want := range []string{path + ":1: damaged line skipped", path + ":2: damaged line skipped",
		"epoch 1's line restored from", "epoch 2's line restored from the checkpoint resumed"} {
		if !strings.Contains(all, want) {
			t.Errorf("no warning %q in:\n%s", want, all)
		}
	}
	a, b := metricsWithoutTimes(t, whole.RunDir), metricsWithoutTimes(t, cfg.RunDir)
	if strings.Join(a, "\n") != strings.Join(b, "\n") {
		t.Errorf("metrics.jsonl after resuming:\n%s\nwithout interruption:\n%s", strings.Join(b, "\n"), strings.Join(a, "\n"))
	}
	after, _ := os.ReadFile(path)
	if got := strings.Split(string(after), "\n")[1]; got != lines[1] {
		t.Errorf("epoch 2's line restored as\n%s\nwant, as first written,\n%s", got, lines[1])
	}
}
