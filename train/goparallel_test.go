package train

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/gomlx/compute/gobackend"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train/backend"
	"github.com/neurona/neurona/train/config"
)

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
	raw, err := gobackend.New("parallelism=" + p)
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Defaults(models.MLP)
	cfg.BatchSize, cfg.StepsPerCall = 128, 1
	m, err := models.New(cfg.Model)
	if err != nil {
		t.Fatal(err)
	}
	// One step per call builds no closure, so the closure-safe wrapper of
	// backend.New, which this bypasses, would change nothing here.
	prog, err := newProgram(raw, cfg, m, 100)
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
// that exactly those are what neurona refuses (backend.Choose). It lives in
// train, not beside the check in package backend, because the deadlock
// shows on a real training step, which train's program builds.
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
		_, err = backend.Choose("go:parallelism=" + strconv.Itoa(p))
		if refused := err != nil; refused != hung {
			t.Errorf("parallelism=%d with %d cores: deadlocked %v, but neurona refuses it: %v (%v)", p, cores, hung, refused, err)
		}
		t.Logf("parallelism=%d with %d cores: deadlocked %v", p, cores, hung)
	}
}
