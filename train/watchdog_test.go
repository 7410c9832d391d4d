package train

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train/backend"
	"github.com/neurona/neurona/train/checkpoint"
	"github.com/neurona/neurona/train/config"
	"github.com/neurona/neurona/train/runfolder"
)

// hangingRun trains a small MLP with a checkpoint every 5 steps whose
// calls of kind hang from the call number from on (counting from 1), and
// returns Run's error, its time and the run folder.
func hangingRun(t *testing.T, ctx context.Context, kind string, from int32, w watchdogOptions) (*runfolder.Summary, error, time.Duration, string) {
	t.Helper()
	m := smallMNIST(t, 2000, 100)
	cfg := config.Defaults(models.MLP)
	cfg.Model.Hidden = []int{8}
	cfg.BatchSize, cfg.StepsPerCall, cfg.SaveEvery, cfg.Epochs, cfg.Backend = 100, 1, 5, 3, backend.Go
	cfg.RunDir = filepath.Join(t.TempDir(), "run")
	var calls atomic.Int32
	prev := w.hang
	w.hang = func(k string) bool {
		if k != kind || calls.Add(1) < from {
			return false
		}
		if prev != nil {
			prev(k)
		}
		return true
	}
	if w.release == nil {
		w.release = make(chan struct{})
		t.Cleanup(func() { close(w.release) })
	}
	var out eventLog
	start := time.Now()
	s, err := Run(ctx, cfg, m, Options{watchdog: w, Observers: []Observer{out.observe}})
	t.Logf("output:\n%s", out.String())
	return s, err, time.Since(start), cfg.RunDir
}

// newestCheckpoint is the newest valid checkpoint of runDir, failing on an
// invalid one.
func newestCheckpoint(t *testing.T, runDir string) *checkpoint.Checkpoint {
	t.Helper()
	c, skipped, err := Checkpoints().Latest(runfolder.CheckpointsDir(runDir))
	if err != nil || len(skipped) > 0 {
		t.Fatalf("checkpoints of %s: %v (invalid: %v)", runDir, err, skipped)
	}
	return c
}

func TestWatchdogStopsARunWhoseCallHangs(t *testing.T) {
	for _, tc := range []struct {
		kind     string
		from     int32
		wantStep int // of the newest checkpoint
		what     string
	}{
		{"train", 13, 10, "the train call of step 13"}, // 18 steps an epoch
		{"eval", 1, 15, "the validation call"},
		{"eval", 4, 54, "the evaluation call"}, // of the test set, after the last epoch's checkpoint
	} {
		t.Run(tc.what, func(t *testing.T) {
			s, err, took, runDir := hangingRun(t, context.Background(), tc.kind, tc.from, watchdogOptions{floor: 2 * time.Second})
			var ab *AbandonedError
			if !errors.As(err, &ab) || errors.Is(err, context.Canceled) {
				t.Fatalf("Run with a hung %s call = %v, want an abandoned call", tc.kind, err)
			}
			c := newestCheckpoint(t, runDir)
			if c.Manifest.Step != tc.wantStep {
				t.Errorf("newest checkpoint at step %d, want %d (saved before the hang, nothing after)", c.Manifest.Step, tc.wantStep)
			}
			msg := err.Error()
			for _, want := range []string{tc.what + " made no progress for 2s", "at least 2s", "the last intact checkpoint is " + c.Dir} {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q does not say %q", msg, want)
				}
			}
			if took > 20*time.Second {
				t.Errorf("Run took %s to give up on a 2s watchdog", took)
			}
			raw, rerr := os.ReadFile(filepath.Join(runDir, "summary.json"))
			if rerr != nil || s == nil || s.StoppedBecause != msg || !bytes.Contains(raw, []byte("made no progress")) {
				t.Errorf("summary: %v, stopped because %q, want the watchdog's reason", rerr, s.StoppedBecause)
			}
		})
	}
}

func TestSignalEndsARunWhoseCallHangs(t *testing.T) {
	t.Run("call never returns", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		hung := make(chan struct{}, 1)
		go func() { <-hung; cancel() }()
		_, err, took, runDir := hangingRun(t, ctx, "train", 13, watchdogOptions{floor: time.Hour, grace: 300 * time.Millisecond,
			hang: func(string) bool { hung <- struct{}{}; return true }})
		if !errors.Is(err, context.Canceled) || !errors.Is(err, ErrCallAbandoned) {
			t.Fatalf("Run cancelled during a hung call = %v, want cancelled and abandoned", err)
		}
		c := newestCheckpoint(t, runDir)
		if c.Manifest.Step != 10 || c.Manifest.Reason == "interrupt" {
			t.Errorf("newest checkpoint step %d (%s), want step 10's: nothing saved from a state mid-call", c.Manifest.Step, c.Manifest.Reason)
		}
		if want := "the train call of step 13 did not return within 300ms of the signal; abandoned it; the last intact checkpoint is " + c.Dir; !strings.Contains(err.Error(), want) {
			t.Errorf("error %q, want %q", err, want)
		}
		if took > 20*time.Second {
			t.Errorf("Run took %s after a signal with 300ms grace", took)
		}
	})
	t.Run("call returns within the grace", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		release := make(chan struct{})
		hung := make(chan struct{}, 1)
		go func() { <-hung; cancel(); time.Sleep(100 * time.Millisecond); close(release) }()
		s, err, _, runDir := hangingRun(t, ctx, "train", 13, watchdogOptions{floor: time.Hour, grace: 10 * time.Second, release: release,
			hang: func(string) bool { hung <- struct{}{}; return true }})
		if !errors.Is(err, context.Canceled) || errors.Is(err, ErrCallAbandoned) {
			t.Fatalf("Run cancelled during a slow call = %v, want cancelled, not abandoned", err)
		}
		if c := newestCheckpoint(t, runDir); c.Manifest.Step != 13 || c.Manifest.Reason != "interrupt" || s.StoppedBecause != "interrupted" {
			t.Errorf("newest checkpoint step %d (%s), stopped %q: want the interrupt checkpoint after the call", c.Manifest.Step, c.Manifest.Reason, s.StoppedBecause)
		}
	})
}
