package cli

import (
	"path/filepath"
	"testing"

	"github.com/neurona/neurona/data"
)

// tinyRun returns a copy of a one-epoch MLP with 8 hidden units trained on
// MNIST through Main, with one checkpoint (--save-every 0, whatever the
// default), trained once per test process (trainOnce); it skips with -short
// or without MNIST.
func tinyRun(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("trains on MNIST")
	}
	if _, err := data.ModuleDataDir(); err != nil {
		t.Skipf("MNIST not available: %v", err)
	}
	run, _ := trainOnce(t, "MNIST: tiny MLP", func(dir string) (string, string, error) {
		run := filepath.Join(dir, "run")
		return run, "", trainFixture("--hidden", "8", "--epochs", "1", "--save-every", "0", "--run-dir", run, "--progress", "never")
	})
	return copyRun(t, run)
}
