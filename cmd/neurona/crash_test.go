package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/neurona/neurona/internal/cli"
	"github.com/neurona/neurona/train"
	"github.com/neurona/neurona/train/checkpoint"
	"github.com/neurona/neurona/train/runfolder"
)

// finalCheckpoint returns the variables.bin bytes and global step of the
// newest checkpoint of a run, failing on any invalid checkpoint.
func finalCheckpoint(t *testing.T, runDir string) ([]byte, int) {
	t.Helper()
	c, skipped, err := train.Checkpoints().Latest(runfolder.CheckpointsDir(runDir))
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

// The crash test's training processes are this test binary, run as the
// neurona command (TestMain calls runAsNeurona) with an observer of the
// run's events that stops them at a chosen point (crashPoint):
const (
	// childEnv makes the test binary the neurona command.
	childEnv = "NEURONA_TEST_AS_COMMAND"
	// stopAtEnv, "N" or "N+", stops it at the N-th point it reaches
	// (crashPoint): it prints "REACHED N <point>" on stderr and waits
	// there, or with "N+" runs on to the next point and waits there, so
	// that the kill lands somewhere between the two.
	stopAtEnv = "NEURONA_TEST_STOP_AT"
	// seedEnv sets the seed of the crash test's kill points, to replay a
	// failure (the failure prints it).
	seedEnv = "NEURONA_CRASH_SEED"
)

// runAsNeurona runs the test binary as `neurona` with its arguments when
// childEnv is set, and exits; else it returns.
func runAsNeurona() {
	if os.Getenv(childEnv) == "" {
		return
	}
	var deps cli.Deps
	if stop := os.Getenv(stopAtEnv); stop != "" {
		n, err := strconv.Atoi(strings.TrimSuffix(stop, "+"))
		if err != nil {
			panic(stopAtEnv + ": " + err.Error())
		}
		between := strings.HasSuffix(stop, "+")
		var reached atomic.Int64
		deps.Observe = func(ev train.Event) {
			point, ok := crashPoint(ev)
			if !ok {
				return
			}
			switch i := reached.Add(1); {
			case i == int64(n):
				fmt.Fprintf(os.Stderr, "REACHED %d %s\n", n, point)
				if !between {
					_, _ = io.Copy(io.Discard, os.Stdin) // until the kill
				}
			case i == int64(n)+1 && between:
				_, _ = io.Copy(io.Discard, os.Stdin)
			}
		}
	}
	os.Exit(cli.MainWith(os.Args[1:], os.Stdout, os.Stderr, deps))
}

// crashPoint names the events a crash test kills a run at, and says
// whether ev is one: the run folder locked, a resumed run's metrics.jsonl
// rewritten, a file written into the folder, each training call's last
// step, every stage of saving, pruning and cleaning checkpoints, and the
// summary written.
func crashPoint(ev train.Event) (string, bool) {
	switch e := ev.(type) {
	case train.RunFolderLocked:
		return "run folder locked", true
	case train.MetricsRewritten:
		return "resume: metrics.jsonl rewritten", true
	case train.FileWritten:
		return e.Name + " written", true
	case train.StepsDone:
		return fmt.Sprintf("step %d", e.GlobalStep), true
	case train.CheckpointStage:
		return e.Stage, true
	case train.Finished:
		return "summary written", true
	}
	return "", false
}

// crashSeed is NEURONA_CRASH_SEED, or else the clock's.
func crashSeed(t *testing.T) uint64 {
	if s := os.Getenv(seedEnv); s != "" {
		seed, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("%s=%q: %v", seedEnv, s, err)
		}
		return seed
	}
	return uint64(time.Now().UnixNano())
}

// killAt runs `neurona args...` (the test binary) until it reaches its
// stop-th point (or, with between, somewhere before the next), kills it
// with SIGKILL and returns the point and the process's output. reached is
// false when the process ended before that point.
func killAt(t *testing.T, args []string, stop int, between bool) (point, output string, reached bool) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	at := strconv.Itoa(stop)
	if between {
		at += "+"
	}
	cmd.Env = append(os.Environ(), childEnv+"=1", stopAtEnv+"="+at)
	var out bytes.Buffer
	cmd.Stdout = &out
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdin, err := cmd.StdinPipe() // never written: the stopped process waits on it
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var errLines []string
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		if p, ok := strings.CutPrefix(sc.Text(), "REACHED "+strconv.Itoa(stop)+" "); ok {
			point, reached = p, true
			break
		}
		errLines = append(errLines, sc.Text())
	}
	_ = cmd.Process.Kill() // SIGKILL
	_, _ = io.Copy(io.Discard, stderr)
	_ = cmd.Wait()
	return point, out.String() + strings.Join(errLines, "\n"), reached
}

// TestSIGKILLAtRandomMomentsThenResume kills training processes with
// SIGKILL at points drawn at random among those a run reaches (start-up,
// the steps, every stage of a checkpoint save, pruning, cleaning up after
// an earlier kill); one kill in four lands anywhere between a point and
// the next (mid-write, mid-delete, mid-step). Saves are every 3 steps, so
// about half the kills land in one. After each kill it checks that the
// newest checkpoint is complete and no older than before; then it resumes
// (or restarts a run killed before its first checkpoint), and finally
// checks that the run ends with the same weights and metrics as one never
// interrupted, and no temporary folder left. Set NEURONA_CRASH_SEED to
// replay the kill points of a failure.
func TestSIGKILLAtRandomMomentsThenResume(t *testing.T) {
	if testing.Short() {
		t.Skip("starts ~25 training processes")
	}
	dataDir := noisyDigits(t, 3000) // 84 steps of 32 an epoch
	args := []string{"train", "--data-dir", dataDir, "--backend", "go", "--hidden", "16", "--epochs", "12", "--batch-size", "32",
		"--save-every", "3", "--keep-last", "2", "--progress", "never"}

	refDir := filepath.Join(t.TempDir(), "reference")
	if out, err := exec.Command(binary, append(args, "--run-dir", refDir)...).CombinedOutput(); err != nil {
		t.Fatalf("reference run: %v\n%s", err, out)
	}
	wantBlob, wantStep := finalCheckpoint(t, refDir)

	seed := crashSeed(t)
	// Logged first, so a failure's log starts with how to replay it.
	t.Logf("kill points drawn with %s=%d (set it to replay them)", seedEnv, seed)
	rng := rand.New(rand.NewPCG(seed, 17))
	dir := filepath.Join(t.TempDir(), "killed")
	lastStep, kills, midSave := -1, 0, 0
	// At least 20 kills, and on until one has landed during a save (about
	// half do), at most 40. A process reaches about 4 points a step (the
	// step and a save of 8 stages every 3 steps), so stopping within its
	// first 60 points keeps the 40 kills within the run's 1,008 steps.
	for kills < 20 || (midSave == 0 && kills < 40) {
		cmdArgs := append(args, "--run-dir", dir)
		if lastStep >= 0 {
			cmdArgs = []string{"train", "--resume", dir, "--progress", "never"}
		}
		stop, between := 1+rng.IntN(60), rng.IntN(4) == 0
		point, out, reached := killAt(t, cmdArgs, stop, between)
		if !reached {
			t.Fatalf("kill %d: the process ended before its point %d; output:\n%s", kills+1, stop, lastLines(out, 5))
		}
		kills++
		where := "at"
		if between {
			where = "after"
		}

		c, skipped, err := train.Checkpoints().Latest(runfolder.CheckpointsDir(dir))
		switch {
		case errors.Is(err, checkpoint.ErrNone) && len(skipped) == 0 && lastStep < 0:
			// Killed before the first save: the next start restarts it.
		case err != nil || len(skipped) > 0:
			t.Fatalf("after kill %d %s %q: newest checkpoint: %v; invalid ones: %v", kills, where, point, err, skipped)
		case c.Manifest.Step < lastStep:
			t.Fatalf("after kill %d %s %q: the newest checkpoint went back from step %d to %d", kills, where, point, lastStep, c.Manifest.Step)
		default:
			lastStep = c.Manifest.Step
		}
		// A save's temporary folder left behind means the kill hit a save
		// (or the pruning after one); the next start cleans it.
		tmps, _ := filepath.Glob(filepath.Join(runfolder.CheckpointsDir(dir), ".tmp-*"))
		if len(tmps) > 0 {
			midSave++
		}
		t.Logf("kill %2d %s %q: newest checkpoint step %d, %d temporary folders left", kills, where, point, lastStep, len(tmps))
		if lastStep >= wantStep {
			t.Fatalf("the run finished before the kills did (step %d); make it longer", lastStep)
		}
	}
	if midSave == 0 {
		t.Errorf("none of the %d kills landed during a save", kills)
	}
	cmd := exec.Command(os.Args[0], "train", "--resume", dir, "--progress", "never")
	cmd.Env = append(os.Environ(), childEnv+"=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("final resume: %v\n%s", err, lastLines(string(out), 5))
	}
	gotBlob, gotStep := finalCheckpoint(t, dir)
	if gotStep != wantStep || !bytes.Equal(gotBlob, wantBlob) {
		t.Errorf("after %d kills the run ended at step %d with weights equal=%v; the uninterrupted run at step %d",
			kills, gotStep, bytes.Equal(gotBlob, wantBlob), wantStep)
	}
	if got, want := epochLosses(t, dir), epochLosses(t, refDir); got != want {
		t.Errorf("metrics.jsonl differs from the uninterrupted run's:\n%s\nwant:\n%s", got, want)
	}
	leftovers, _ := filepath.Glob(filepath.Join(runfolder.CheckpointsDir(dir), ".tmp-*"))
	if len(leftovers) > 0 {
		t.Errorf("temporary folders left after a clean finish: %v", leftovers)
	}
}

// lastLines is the last n lines of s, for a failure's message.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(len(lines)-n, 0):], "\n")
}
