package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestShardsOnABoundedWorkerPoolAreAUsageError: shards the Go backend's
// options could deadlock are refused in one line that says the way around,
// before the run folder is made.
func TestShardsOnABoundedWorkerPoolAreAUsageError(t *testing.T) {
	run := filepath.Join(t.TempDir(), "run")
	code, _, stderr := cliRun("train", "--backend", "go:parallelism=3", "--shards", "2", "--hidden", "8", "--epochs", "1",
		"--batch-size", "32", "--data-dir", fakeMNIST(t), "--run-dir", run, "--progress", "never")
	lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
	if code != ExitUsage || len(lines) != 1 || !strings.Contains(stderr, "can deadlock") || !strings.Contains(stderr, "--shards 1") {
		t.Errorf("exit %d, stderr %q; want exit %d and one line saying the shards can deadlock and how to avoid it", code, stderr, ExitUsage)
	}
	if _, err := os.Stat(run); !os.IsNotExist(err) {
		t.Errorf("the refused run made its folder (%v)", err)
	}
}

// TestShardsFlag: --shards is bounded by the batch size and MaxShards, one
// line each.
func TestShardsFlag(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"more shards than examples in a batch", []string{"--shards", "64", "--batch-size", "32"}, "--shards 64"},
		{"a negative count", []string{"--shards", "-1"}, "--shards -1"},
		{"more than the most", []string{"--shards", "129"}, "--shards 129"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := cliRun(append([]string{"train", "--data-dir", fakeMNIST(t), "--run-dir", filepath.Join(t.TempDir(), "run")}, tc.args...)...)
			lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
			if code != ExitUsage || len(lines) != 1 || !strings.Contains(stderr, tc.want) || !strings.Contains(stderr, "at most the batch size") {
				t.Errorf("exit %d, stderr %q; want exit %d and one line about %s saying what is accepted", code, stderr, ExitUsage, tc.want)
			}
		})
	}
}
