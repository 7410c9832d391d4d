package sweep

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/neurona/neurona/train"
	"github.com/neurona/neurona/train/runfolder"
)

// One process at a time runs a sweep folder: Open and Create refuse it
// while another holds it, saying who, and take it once it is released.
func TestSweepLock(t *testing.T) {
	s := newSweep(t, "--lr", "0.1,0.9")
	_, err := Open(s.Dir())
	var inUse *runfolder.RunInUseError
	if !errors.As(err, &inUse) || inUse.Purpose != "sweeping" || inUse.PID != os.Getpid() || strings.Contains(err.Error(), "\n") {
		t.Fatalf("Open of a sweep in progress: %v; want one line saying this process is sweeping there", err)
	}
	if _, err := Create(s.Dir(), s.Spec, nil, s.Created); err == nil || !strings.Contains(err.Error(), "already holds a sweep") {
		t.Errorf("Create over a sweep in progress: %v", err)
	}
	again := reopen(t, s)
	if again.Dir() != s.Dir() {
		t.Fatalf("reopened %s", again.Dir())
	}
	t.Run("a folder without a sweep is left as it was", func(t *testing.T) {
		dir := t.TempDir()
		if _, err := Open(dir); err == nil {
			t.Fatal("Open of a folder without sweep.json succeeded")
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 0 {
			t.Errorf("Open left %d files in a folder that is not a sweep's", len(entries))
		}
	})
	t.Run("a lock file left by a sweep stopped before planning does not make the folder used", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "s")
		os.MkdirAll(dir, 0o755)
		os.WriteFile(filepath.Join(dir, ".lock"), []byte("123 sweeping\n"), 0o644)
		c, err := Create(dir, s.Spec, nil, s.Created)
		if err != nil {
			t.Fatal(err)
		}
		c.Close()
	})
}

// A trial whose run folder holds a finished run is recorded finished,
// whatever train returned and whatever sweep.json said; other failures are
// tried again on the next Run, except a divergence.
func TestRunRecordsFinishedAndRetries(t *testing.T) {
	tests := []struct {
		name string
		// first trains trial 1 the first time; the fake trains it again.
		first      func(f *fakeTrain) TrainFunc
		status     string // after the first Run
		retried    bool   // whether the second Run trains it again
		afterRetry string
	}{
		{"train fails after writing a finished summary", func(f *fakeTrain) TrainFunc {
			return func(ctx context.Context, args []string) error {
				f.train(ctx, args)
				return errors.New("write confusion.png: no space left on device")
			}
		}, Finished, false, Finished},
		{"a full disk fails the trial", func(f *fakeTrain) TrainFunc {
			return func(context.Context, []string) error { return errors.New("write checkpoint: no space left on device") }
		}, Failed, true, Finished},
		{"another process holds the run folder", func(f *fakeTrain) TrainFunc {
			return func(context.Context, []string) error {
				return &runfolder.RunInUseError{Dir: "x", PID: 7, Purpose: "training"}
			}
		}, Failed, true, Finished},
		{"training diverged", func(f *fakeTrain) TrainFunc {
			return func(context.Context, []string) error { return fmt.Errorf("trial: %w", train.ErrDiverged) }
		}, Failed, false, Failed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSweep(t, "--lr", "0.1,0.9")
			f := &fakeTrain{}
			first := tt.first(f)
			calls := 0
			err := s.Run(context.Background(), func(ctx context.Context, args []string) error {
				if calls++; calls == 1 {
					return first(ctx, args)
				}
				return f.train(ctx, args)
			}, &bytes.Buffer{})
			if err != nil || s.Trials[0].Result.Status != tt.status {
				t.Fatalf("Run: %v, trial 1 %s; want %s", err, s.Trials[0].Result.Status, tt.status)
			}
			again := reopen(t, s)
			f.calls = nil
			if err := again.Run(context.Background(), f.train, &bytes.Buffer{}); err != nil {
				t.Fatal(err)
			}
			if retried := len(f.calls) == 1; retried != tt.retried || len(f.calls) > 1 {
				t.Errorf("resumed, the sweep trained %q; want trial 1 trained again: %v", f.calls, tt.retried)
			}
			if got := again.Trials[0].Result.Status; got != tt.afterRetry {
				t.Errorf("after resuming, trial 1 is %s, want %s", got, tt.afterRetry)
			}
		})
	}
	t.Run("a trial recorded failed whose folder holds a finished run", func(t *testing.T) {
		s := newSweep(t, "--lr", "0.1,0.9")
		f := &fakeTrain{}
		if err := s.Run(context.Background(), f.train, &bytes.Buffer{}); err != nil {
			t.Fatal(err)
		}
		s.Trials[1].Result = Result{Status: Failed, Error: "run folder in use"} // as two resumes at once recorded it
		if err := s.Save(); err != nil {
			t.Fatal(err)
		}
		again := reopen(t, s)
		f.calls = nil
		if err := again.Run(context.Background(), f.train, &bytes.Buffer{}); err != nil || len(f.calls) != 0 {
			t.Fatalf("Run: %v, trained %q; want nothing trained", err, f.calls)
		}
		if finished, failed := again.Count(); finished != 2 || failed != 0 {
			t.Errorf("%d finished, %d failed; want both finished", finished, failed)
		}
	})
}
