package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/neurona/neurona/train/backend"
	"github.com/neurona/neurona/train/runfolder"
)

// TestTrainRunFolders: a run without --run-dir gets a folder of its own
// even when the default name is taken (as by a run started in the same
// second), and a folder it cannot use is refused with the message that
// fits: another process training there, or a run to resume.
func TestTrainRunFolders(t *testing.T) {
	dataDir := fakeMNIST(t)
	trainArgs := []string{"train", "--model", "perceptron", "--epochs", "1", "--data-dir", dataDir, "--backend", backend.Go, "--progress", "never"}

	t.Run("a taken default name gets -2", func(t *testing.T) {
		t.Chdir(t.TempDir())
		// Take the names of the next few seconds, as runs started then would.
		now := time.Now()
		for s := range 5 {
			if err := os.MkdirAll(runfolder.DefaultRunDir("perceptron", now.Add(time.Duration(s)*time.Second)), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		code, stdout, stderr := cliRun(trainArgs...)
		if code != ExitOK {
			t.Fatalf("exit code %d, stderr %q\n%s", code, stderr, stdout)
		}
		m := regexp.MustCompile(`-> (runs/perceptron-\d{8}-\d{6}-2)\n`).FindStringSubmatch(stdout)
		if m == nil {
			t.Fatalf("the run did not go to runs/perceptron-<time>-2:\n%s", stdout)
		}
		if _, err := os.Stat(filepath.Join(m[1], "summary.json")); err != nil {
			t.Errorf("no summary.json in %s: %v", m[1], err)
		}
	})

	t.Run("a folder another process trains in names it, and says what to do", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "run")
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		unlock, err := runfolder.LockRunFor(dir, "training")
		if err != nil {
			t.Fatal(err)
		}
		defer unlock()
		code, _, stderr := cliRun(append(trainArgs, "--run-dir", dir)...)
		want := fmt.Sprintf("neurona train: another neurona process (pid %d) is training in %s; wait for it to finish, or choose another --run-dir\n", os.Getpid(), dir)
		if code != ExitFailure || stderr != want || strings.Contains(stderr, "--resume") {
			t.Errorf("exit code %d, stderr %q; want 1 and %q", code, stderr, want)
		}
	})

	t.Run("a folder holding a run suggests --resume or another --run-dir", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "run")
		if code, _, stderr := cliRun(append(trainArgs, "--run-dir", dir)...); code != ExitOK {
			t.Fatalf("first run: exit code %d, %s", code, stderr)
		}
		code, _, stderr := cliRun(append(trainArgs, "--run-dir", dir)...)
		if code != ExitFailure || !strings.Contains(stderr, "already holds a run (continue it with --resume "+dir+", or choose another --run-dir)") ||
			strings.Count(stderr, "\n") != 1 {
			t.Errorf("exit code %d, stderr %q", code, stderr)
		}
	})
}

// TestTrainText: the training log says what is true, in English: plurals
// only for more than one, sizes in the unit that fits, the model without
// words that do not apply, and the Go backend's mode as used.
func TestTrainText(t *testing.T) {
	dataDir := fakeMNIST(t)
	dir := filepath.Join(t.TempDir(), "run")
	code, stdout, stderr := cliRun("train", "--model", "perceptron", "--epochs", "1", "--batch-size", "128", "--steps-per-call", "1", "--run-dir", dir,
		"--data-dir", dataDir, "--progress", "never")
	if code != ExitOK {
		t.Fatalf("exit code %d, stderr %q", code, stderr)
	}
	for _, want := range []string{
		"model    perceptron 784-10, 7850 parameters",
		"backend  go:ops_sequential: GoMLX's pure-Go backend (CPU), operations one at a time, on ",
		"one step at a time, up to 1 epoch, seed 1",
		"compile  the training step (2 batch shapes) and the evaluation step in ", // 180 examples: a batch of 128 and one of 52
		"train    sgd lr 1, constant schedule, averaged weights, batch 128,",
		"(weights of epoch 1; 2 steps,",
		"memory   model and optimizer state 62.8 kB,", // the weights and their average

		"kB kept on disk)",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("the log does not say %q:\n%s", want, stdout)
		}
	}
	for _, bad := range []string{"1 epochs", "1 steps", "0.0 MB", "784-10 perceptron", "parallelism="} {
		if strings.Contains(stdout, bad) {
			t.Errorf("the log says %q:\n%s", bad, stdout)
		}
	}
	code, stdout, _ = cliRun("train", "--resume", dir, "--epochs", "2", "--data-dir", dataDir, "--progress", "never")
	if code != ExitOK || !strings.Contains(stdout, "step 2, 1 epoch done") {
		t.Errorf("resume: exit code %d, want \"1 epoch done\":\n%s", code, stdout)
	}
	code, stdout, _ = cliRun("models")
	if code != ExitOK || !strings.Contains(stdout, "perceptron  perceptron 784-10 ") {
		t.Errorf("models: exit code %d:\n%s", code, stdout)
	}
}
