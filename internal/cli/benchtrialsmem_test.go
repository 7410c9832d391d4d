package cli

import (
	"bytes"
	"strconv"
	"strings"
	"testing"

	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train"
	"github.com/neurona/neurona/train/backend"
	"github.com/neurona/neurona/train/bench"
	"github.com/neurona/neurona/train/config"
)

// fitsOnceNotGrouped is a hidden layer width at which one MLP trained
// with batch fits this machine's memory but n side by side do not, or 0
// when none of the widths tried does.
func fitsOnceNotGrouped(batch, n int) int {
	for w := 256; w <= models.MaxWidth; w *= 2 {
		c := config.Defaults(models.MLP)
		c.Model.Hidden, c.Model.Inputs, c.Model.Classes, c.BatchSize = []int{w, w}, 28*28, 10, batch
		if train.CheckMemory(c) == nil && train.GroupFits(c, n) != nil {
			return w
		}
	}
	return 0
}

// TestBenchTrialsThatDoNotFitAreRefused: --trials N of a recipe that fits
// once but not N times over is refused in one line, exit 2, before the
// data is read or anything compiled: each trial of a group holds its own
// weights, optimizer state and activations.
func TestBenchTrialsThatDoNotFitAreRefused(t *testing.T) {
	if backend.HostMemoryGB() <= 0 {
		t.Skip("the machine's memory is unknown: nothing is checked against it")
	}
	const batch = 32
	w := fitsOnceNotGrouped(batch, bench.MaxTrials)
	if w == 0 {
		t.Skipf("no width fits once and not %d times on this machine", bench.MaxTrials)
	}
	hidden := strconv.Itoa(w) + "," + strconv.Itoa(w)
	for _, tc := range []struct {
		name   string
		trials string
	}{
		{"the largest group alone", strconv.Itoa(bench.MaxTrials)},
		{"the largest group after a small one", "2," + strconv.Itoa(bench.MaxTrials)},
	} {
		t.Run(tc.name+" is refused", func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			e := &env{ctx: t.Context(), stdout: &stdout, stderr: &stderr, getenv: func(string) string { return "" }}
			ran := false
			cmd, err := execute(newRootCmd(e, newCmdBench(e, func(*benchOptions) error { ran = true; return nil })),
				[]string{"bench", "--model", "mlp", "--hidden", hidden, "--batch-size", strconv.Itoa(batch), "--backends", "go", "--trials", tc.trials})
			code := exitCode(t.Context(), &stderr, commandPath(cmd), err)
			if ran || code != ExitUsage || strings.Count(strings.TrimSpace(stderr.String()), "\n") != 0 || !strings.Contains(stderr.String(), "a group of") {
				t.Errorf("--hidden %s --trials %s: ran %v, exit %d, stderr %q; want exit %d and one line saying the group does not fit",
					hidden, tc.trials, ran, code, stderr.String(), ExitUsage)
			}
		})
	}
	t.Run("a group that fits is accepted", func(t *testing.T) {
		var stdout, stderr bytes.Buffer
		e := &env{ctx: t.Context(), stdout: &stdout, stderr: &stderr, getenv: func(string) string { return "" }}
		ran := false
		_, err := execute(newRootCmd(e, newCmdBench(e, func(*benchOptions) error { ran = true; return nil })),
			[]string{"bench", "--model", "mlp", "--hidden", hidden, "--batch-size", strconv.Itoa(batch), "--backends", "go", "--trials", "1"})
		if err != nil || !ran {
			t.Errorf("--hidden %s --trials 1: %v (ran %v); want it accepted", hidden, err, ran)
		}
	})
}
