package train

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gomlx/compute/gobackend"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train/checkpoint"
)

func TestGoBackendOptionsAreChecked(t *testing.T) {
	for _, tc := range []struct {
		name, wantErr string
	}{
		{"go", ""},
		{"go:ops_sequential", ""},
		{"go,ops_sequential", ""},
		{"go:parallelism=4,ops_parallel,dependency_order", ""},
		{"go:creation_order", ""},
		{"go:parallelism=0", ""},
		{"go:parallelism=1", ""},
		{"go:parallelism=3", ""},
		{"go:parallelism=-1", ""},
		{"go:bogus_option", `unknown Go backend option "bogus_option" (accepted after go:, comma-separated: parallelism=N, ops_sequential, ops_parallel, dependency_order, creation_order)`},
		{"go:ops_sequential,bogus=1", `unknown Go backend option "bogus=1"`},
		{"go:parallelism", `unknown Go backend option "parallelism"`},
		{"go:ops_sequential=1", `unknown Go backend option "ops_sequential=1"`},
		{"go:parallelism=x", `parallelism="x": want an integer`},
		{"go:parallelism=-2", `parallelism="-2": want an integer`},
	} {
		_, err := ChooseBackend(tc.name)
		if tc.wantErr == "" {
			if err != nil {
				t.Errorf("ChooseBackend(%q) = %v, want accepted", tc.name, err)
				continue
			}
			// What neurona accepts, GoMLX accepts.
			b, err := gobackend.New(strings.TrimLeft(strings.TrimPrefix(tc.name, "go"), ":"))
			if err != nil {
				t.Errorf("GoMLX refuses %q that neurona accepts: %v", tc.name, err)
			} else {
				b.Finalize()
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.wantErr) || strings.Contains(err.Error(), "\n") {
			t.Errorf("ChooseBackend(%q) = %v, want one line with %q", tc.name, err, tc.wantErr)
		}
	}
	_, err := ChooseBackend("go:parallelism=2")
	if want := runtime.GOMAXPROCS(0) >= 2; (err != nil) != want || (want && !strings.Contains(err.Error(), "deadlocks GoMLX's Go backend")) {
		t.Errorf("go:parallelism=2 with %d cores: %v", runtime.GOMAXPROCS(0), err)
	}
}

// probeEnv names the parallelism TestParallelismProbe trains with.
const probeEnv = "NEURONA_TEST_PARALLELISM_PROBE"

// TestParallelismProbe is run by TestGoParallelismDeadlocks in a
// subprocess: it trains the bench's MLP (784-512-512-10, batch 128) on the
// Go backend with the worker pool of $NEURONA_TEST_PARALLELISM_PROBE,
// bypassing neurona's check, and prints "probe ok" if the calls return.
func TestParallelismProbe(t *testing.T) {
	p := os.Getenv(probeEnv)
	if p == "" {
		t.Skip("run by TestGoParallelismDeadlocks")
	}
	backend, err := gobackend.New("parallelism=" + p)
	if err != nil {
		t.Fatal(err)
	}
	cfg := Defaults(models.MLP)
	cfg.BatchSize, cfg.StepsPerCall = 128, 1
	m, err := models.New(cfg.Model)
	if err != nil {
		t.Fatal(err)
	}
	prog, err := newProgram(closureSafe(backend), cfg, m, 100)
	if err != nil {
		t.Fatal(err)
	}
	pixels, labels := make([]uint8, 128*784), make([]int32, 128)
	for i := range pixels {
		pixels[i] = uint8(i * 7)
	}
	for i := range 10 {
		x, y := tensors.FromFlatDataAndDimensions(pixels, 128, 784), tensors.FromFlatDataAndDimensions(labels, 128)
		if _, _, err := run(prog.trainExec, x, y); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	fmt.Println("probe ok")
}

// TestGoParallelismDeadlocks finds which worker pools deadlock GoMLX's Go
// backend here, each in a subprocess killed after a time-out, and checks
// that exactly those are what neurona refuses.
func TestGoParallelismDeadlocks(t *testing.T) {
	if testing.Short() {
		t.Skip("trains in several subprocesses")
	}
	cores := runtime.GOMAXPROCS(0)
	seen := map[int]bool{}
	for _, p := range []int{-1, 0, 1, 2, 3, cores, cores + 1, 2 * cores} {
		if seen[p] {
			continue
		}
		seen[p] = true
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestParallelismProbe$", "-test.v")
		cmd.Env = append(os.Environ(), probeEnv+"="+strconv.Itoa(p))
		out, err := cmd.CombinedOutput() // a deadlocked probe ignores SIGTERM: CommandContext kills it
		hung := ctx.Err() != nil
		cancel()
		if !hung && (err != nil || !bytes.Contains(out, []byte("probe ok"))) {
			t.Fatalf("probe of parallelism=%d failed: %v\n%s", p, err, out)
		}
		if refused := deadlockingParallelism(p); refused != hung {
			t.Errorf("parallelism=%d with %d cores: deadlocked %v, but neurona refuses it: %v", p, cores, hung, refused)
		}
		t.Logf("parallelism=%d with %d cores: deadlocked %v", p, cores, hung)
	}
}

// hangingRun trains a small MLP with a checkpoint every 5 steps whose
// calls of kind hang from the call number from on (counting from 1), and
// returns Run's error, its time and the run folder.
func hangingRun(t *testing.T, ctx context.Context, kind string, from int32, w watchdogOptions) (*Summary, error, time.Duration, string) {
	t.Helper()
	m := smallMNIST(t, 2000, 100)
	cfg := Defaults(models.MLP)
	cfg.Model.Hidden = []int{8}
	cfg.BatchSize, cfg.StepsPerCall, cfg.SaveEvery, cfg.Epochs, cfg.Backend = 100, 1, 5, 3, GoBackend
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
	var out bytes.Buffer
	start := time.Now()
	s, err := Run(ctx, cfg, m, &out, Options{watchdog: w})
	t.Logf("output:\n%s", out.String())
	return s, err, time.Since(start), cfg.RunDir
}

// newestCheckpoint is the newest valid checkpoint of runDir, failing on an
// invalid one.
func newestCheckpoint(t *testing.T, runDir string) *checkpoint.Checkpoint {
	t.Helper()
	c, skipped, err := checkpoint.Latest(CheckpointsDir(runDir))
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
