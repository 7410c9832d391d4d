package main

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/neurona/neurona/data"
	"github.com/neurona/neurona/train"
	"github.com/neurona/neurona/train/checkpoint"
)

// finalCheckpoint returns the variables.bin bytes and global step of the
// newest checkpoint of a run, failing on any invalid checkpoint.
func finalCheckpoint(t *testing.T, runDir string) ([]byte, int) {
	t.Helper()
	c, skipped, err := checkpoint.Latest(train.CheckpointsDir(runDir))
	if err != nil || len(skipped) > 0 {
		t.Fatalf("newest checkpoint of %s: %v (invalid ones: %v)", runDir, err, skipped)
	}
	blob, err := os.ReadFile(filepath.Join(c.Dir, checkpoint.BlobFile))
	if err != nil {
		t.Fatal(err)
	}
	return blob, c.Manifest.Step
}

// epochLosses reads metrics.jsonl without its timing fields.
func epochLosses(t *testing.T, runDir string) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(runDir, "metrics.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("metrics.jsonl line %q: %v", line, err)
		}
		delete(m, "examples_per_second")
		delete(m, "epoch_seconds")
		delete(m, "elapsed_seconds")
		b, _ := json.Marshal(m)
		out = append(out, string(b))
	}
	return strings.Join(out, "\n")
}

// readyWriter collects a process's output and closes ready when the line
// that precedes training ("memory ...") appears.
type readyWriter struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	ready chan struct{}
	seen  bool
}

func (w *readyWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if !w.seen && strings.Contains(w.buf.String(), "\nmemory ") {
		w.seen = true
		close(w.ready)
	}
	return len(p), nil
}

func (w *readyWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// TestSIGKILLAtRandomMomentsThenResume kills real training processes with
// SIGKILL at random moments (saves are every 3 steps, so many kills land in
// the middle of one), checks after each kill that the newest checkpoint is
// complete and no older than before, resumes, and finally checks that the
// run ends with the same weights and metrics as one never interrupted.
func TestSIGKILLAtRandomMomentsThenResume(t *testing.T) {
	if testing.Short() {
		t.Skip("starts ~25 training processes")
	}
	if _, err := data.ModuleDataDir(); err != nil {
		t.Skipf("MNIST not available: %v", err)
	}
	args := []string{"train", "--hidden", "16", "--epochs", "6", "--batch-size", "64", "--save-every", "3",
		"--keep-last", "2", "--progress", "never"}

	refDir := filepath.Join(t.TempDir(), "reference")
	if out, err := exec.Command(binary, append(args, "--run-dir", refDir)...).CombinedOutput(); err != nil {
		t.Fatalf("reference run: %v\n%s", err, out)
	}
	wantBlob, wantStep := finalCheckpoint(t, refDir)

	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 17))
	t.Logf("kill times drawn with seed %d", seed)
	dir := filepath.Join(t.TempDir(), "killed")
	lastStep, kills, midSave := -1, 0, 0
	// At least 20 kills, and on until one has landed during a save (about
	// two in five do), at most 40.
	for kills < 20 || (midSave == 0 && kills < 40) {
		cmdArgs := append(args, "--run-dir", dir)
		if lastStep >= 0 {
			cmdArgs = []string{"train", "--resume", dir, "--progress", "never"}
		}
		cmd := exec.Command(binary, cmdArgs...)
		out := &readyWriter{ready: make(chan struct{})}
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		if lastStep < 0 { // wait for a first checkpoint to resume from
			deadline := time.Now().Add(60 * time.Second)
			for {
				if entries, _ := os.ReadDir(train.CheckpointsDir(dir)); len(entries) > 0 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("no checkpoint after 60 s:\n%s", out.String())
				}
				time.Sleep(5 * time.Millisecond)
			}
		}
		// One kill in four lands anywhere in the process's life, start-up
		// included; the others after training has begun (the "memory" line
		// comes just before the first step), so that how long start-up takes
		// on this machine does not decide whether kills hit steps and saves.
		var delay time.Duration
		if rng.IntN(4) == 0 {
			delay = time.Duration(rng.IntN(1500)) * time.Millisecond
		} else {
			select {
			case <-out.ready:
			case err := <-exited:
				t.Fatalf("the run ended (%v) before kill %d; make it longer:\n%s", err, kills+1, out.String())
			case <-time.After(60 * time.Second):
				t.Fatalf("training did not start in 60 s:\n%s", out.String())
			}
			delay = time.Duration(rng.IntN(600)) * time.Millisecond
		}
		select {
		case err := <-exited:
			t.Fatalf("the run ended (%v) before kill %d; make it longer:\n%s", err, kills+1, out.String())
		case <-time.After(delay):
		}
		_ = cmd.Process.Kill() // SIGKILL
		<-exited
		kills++

		c, skipped, err := checkpoint.Latest(train.CheckpointsDir(dir))
		if err != nil || len(skipped) > 0 {
			t.Fatalf("after kill %d (%v in): newest checkpoint: %v; invalid ones: %v\n%s", kills, delay, err, skipped, out.String())
		}
		if c.Manifest.Step < lastStep {
			t.Fatalf("after kill %d: newest checkpoint went back from step %d to %d", kills, lastStep, c.Manifest.Step)
		}
		lastStep = c.Manifest.Step
		// A save's temporary folder left behind means the kill hit a save
		// (or the pruning after one); the next start cleans it.
		tmps, _ := filepath.Glob(filepath.Join(train.CheckpointsDir(dir), ".tmp-*"))
		if len(tmps) > 0 {
			midSave++
		}
		t.Logf("kill %2d after %v: newest checkpoint step %d, %d temporary folders left", kills, delay, lastStep, len(tmps))
		if lastStep >= wantStep {
			t.Fatalf("the run finished before the kills did (step %d); make it longer", lastStep)
		}
	}
	if midSave == 0 {
		t.Errorf("none of the %d kills landed during a save", kills)
	}
	out, err := exec.Command(binary, "train", "--resume", dir, "--progress", "never").CombinedOutput()
	if err != nil {
		t.Fatalf("final resume: %v\n%s", err, out)
	}
	gotBlob, gotStep := finalCheckpoint(t, dir)
	if gotStep != wantStep || !bytes.Equal(gotBlob, wantBlob) {
		t.Errorf("after %d kills the run ended at step %d with weights equal=%v; the uninterrupted run at step %d",
			kills, gotStep, bytes.Equal(gotBlob, wantBlob), wantStep)
	}
	if got, want := epochLosses(t, dir), epochLosses(t, refDir); got != want {
		t.Errorf("metrics.jsonl differs from the uninterrupted run's:\n%s\nwant:\n%s", got, want)
	}
	leftovers, _ := filepath.Glob(filepath.Join(train.CheckpointsDir(dir), ".tmp-*"))
	if len(leftovers) > 0 {
		t.Errorf("temporary folders left after a clean finish: %v", leftovers)
	}
}
