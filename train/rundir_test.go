package train

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train/config"
	"github.com/neurona/neurona/train/runfolder"
)

// killedBeforeFirstSave makes the folder a run killed before its first
// checkpoint leaves: a metrics.jsonl line, the lock file and a temporary
// folder of the save in progress.
func killedBeforeFirstSave(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "run")
	if err := os.MkdirAll(filepath.Join(runfolder.CheckpointsDir(dir), ".tmp-ckpt-000000008-123"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, text := range map[string]string{
		"metrics.jsonl": `{"epoch":1,"global_step":8,"train_loss":2.5,"train_accuracy":0.1}` + "\n",
		".lock":         "",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// executeIn trains cfg on the Go backend in dir.
func executeIn(t *testing.T, cfg config.Config, dir string, opts Options) (*runfolder.Summary, string, error) {
	t.Helper()
	goBackend, name := newGoBackend(t)
	cfg.Backend, cfg.RunDir = name, dir
	var out eventLog
	s, _, err := executeLogged(context.Background(), goBackend, cfg, smallMNIST(t, 300, 100), &out, opts)
	return s, out.String(), err
}

func TestRunKilledBeforeItsFirstSave(t *testing.T) {
	cfg := config.Defaults(models.MLP)
	cfg.Model.Hidden, cfg.Epochs, cfg.BatchSize = []int{8}, 1, 50

	t.Run("train again restarts it, saying so", func(t *testing.T) {
		dir := killedBeforeFirstSave(t)
		if err := os.WriteFile(filepath.Join(dir, "summary.json"), []byte(`{"stopped_because":"training diverged at step 3 (loss NaN)"}`), 0o644); err != nil {
			t.Fatal(err)
		}
		s, out, err := executeIn(t, cfg, dir, Options{})
		if err != nil {
			t.Fatalf("train on the folder: %v\n%s", err, out)
		}
		if n := strings.Count(out, "train.Restarted "); n != 1 || !strings.Contains(out, "train.Restarted {Dir:"+dir+"}") {
			t.Errorf("the restart is not reported once, for %s:\n%s", dir, out)
		}
		raw, err := os.ReadFile(filepath.Join(dir, "metrics.jsonl"))
		if err != nil {
			t.Fatal(err)
		}
		if m, _ := runfolder.ParseMetrics("metrics.jsonl", raw); len(m.Epochs) != s.Epochs || strings.Contains(string(raw), `"train_loss":2.5`) {
			t.Errorf("metrics.jsonl after the restart:\n%s", raw)
		}
		if s.StoppedBecause == "training diverged at step 3 (loss NaN)" {
			t.Error("the old summary survived")
		}
	})
	t.Run("--resume says what to do", func(t *testing.T) {
		for _, withCheckpointsDir := range []bool{true, false} {
			dir := killedBeforeFirstSave(t)
			if !withCheckpointsDir {
				if err := os.RemoveAll(runfolder.CheckpointsDir(dir)); err != nil {
					t.Fatal(err)
				}
			}
			_, _, err := ResolveCheckpoint(dir)
			if nc := new(runfolder.NoCheckpointError); !errors.As(err, &nc) || nc.Dir != dir ||
				strings.Contains(err.Error(), "--run-dir") {
				t.Errorf("checkpoints/ there %v: ResolveCheckpoint = %v", withCheckpointsDir, err)
			}
		}
	})
	t.Run("a run in progress is not restarted", func(t *testing.T) {
		dir := killedBeforeFirstSave(t)
		unlock, err := runfolder.LockRun(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer unlock()
		if _, out, err := executeIn(t, cfg, dir, Options{}); !errors.Is(err, runfolder.ErrRunInUse) {
			t.Fatalf("train into a locked folder = %v\n%s", err, out)
		}
		raw, _ := os.ReadFile(filepath.Join(dir, "metrics.jsonl"))
		if !strings.Contains(string(raw), `"train_loss":2.5`) {
			t.Error("the metrics of the run in progress were wiped")
		}
	})
}

func TestNewRunDirIsUniqueWithinASecond(t *testing.T) {
	t.Chdir(t.TempDir())
	now := time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC)
	base := filepath.Join("runs", "mlp-20260102-150405")
	for _, want := range []string{base, base + "-2", base + "-3"} {
		got, err := runfolder.NewRunDir("mlp", now)
		if err != nil || got != want {
			t.Fatalf("NewRunDir = %q, %v; want %q", got, err, want)
		}
		if entries, err := os.ReadDir(got); err != nil || len(entries) != 0 {
			t.Errorf("%s: %v entries, %v; want a new, empty folder", got, len(entries), err)
		}
	}
	t.Run("runs started at once, as by two processes, get folders of their own", func(t *testing.T) {
		const n = 8
		dirs := make(chan string, n)
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				dir, err := runfolder.NewRunDir("perceptron", now)
				if err != nil {
					t.Error(err)
				}
				dirs <- dir
			})
		}
		wg.Wait()
		close(dirs)
		seen := map[string]bool{}
		for d := range dirs {
			if seen[d] {
				t.Errorf("two runs got %s", d)
			}
			seen[d] = true
		}
	})
}

func TestLockSaysWhoHoldsTheRun(t *testing.T) {
	dir := t.TempDir()
	unlock, err := runfolder.LockRunFor(dir, "training")
	if err != nil {
		t.Fatal(err)
	}
	_, err = runfolder.LockRun(dir)
	want := fmt.Sprintf("another neurona process (pid %d) is training in %s", os.Getpid(), dir)
	if !errors.Is(err, runfolder.ErrRunInUse) || err == nil || err.Error() != want {
		t.Errorf("a second lock: %v, want %q wrapping runfolder.ErrRunInUse", err, want)
	}
	unlock()
	again, err := runfolder.LockRun(dir)
	if err != nil {
		t.Fatalf("lock after unlock: %v", err)
	}
	again()
}
