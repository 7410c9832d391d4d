package cli

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/neurona/neurona/data"
)

// tinyRun trains a one-epoch MLP with 8 hidden units on MNIST through Main
// with the extra flags and returns its run folder; it skips with -short or
// without MNIST.
func tinyRun(t *testing.T, extra ...string) string {
	t.Helper()
	if testing.Short() {
		t.Skip("trains on MNIST")
	}
	if _, err := data.ModuleDataDir(); err != nil {
		t.Skipf("MNIST not available: %v", err)
	}
	run := filepath.Join(t.TempDir(), "run")
	var stdout, stderr bytes.Buffer
	args := append([]string{"train", "--hidden", "8", "--epochs", "1", "--run-dir", run, "--progress", "never"}, extra...)
	if code := Main(args, &stdout, &stderr); code != 0 {
		t.Fatalf("train: exit %d\n%s\n%s", code, stdout.String(), stderr.String())
	}
	return run
}
