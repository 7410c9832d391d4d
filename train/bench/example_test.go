package bench_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/neurona/neurona/data"
	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train/backend"
	"github.com/neurona/neurona/train/bench"
	"github.com/neurona/neurona/train/config"
)

// ExampleRun measures the perceptron on the Go backend at batch 128, with
// the shortest measurement there is: no warm-up, one repeat of two calls.
// Its speeds depend on the machine; what it measured does not.
func ExampleRun() {
	mnist, err := data.Load(context.Background(), data.LocateOptions{})
	if err != nil {
		log.Fatal(err)
	}
	cfg := bench.Config{Base: config.Defaults(models.Perceptron), Backends: []string{backend.Go}, Batches: []int{128},
		MinSteps: 2, Repeats: 1}
	results, err := bench.Run(context.Background(), cfg, mnist, nil)
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range results {
		fmt.Printf("%s, %s batch %d: steps per call %d (%s), %.0f FLOPs a step, measured: %v\n",
			r.Model, r.Backend, r.Batch, r.StepsPerCall, r.Loop, r.FLOPsPerStep, r.StepsPerSecond > 0 && r.EvalExamplesPerSec > 0)
	}
	// Output: perceptron 784-10, go:ops_sequential batch 128: steps per call 1 (while), 6021120 FLOPs a step, measured: true
}

// ExampleTable prints results as `neurona bench` does.
func ExampleTable() {
	results := []bench.Result{
		{Backend: "go", Batch: 128, StepsPerCall: 1, StepsPerSecond: 80, ExamplesPerSecond: 10240, SpeedupVsFirst: 1, Shards: 2, AutoShards: true},
		{Backend: "xla:cuda", Batch: 128, StepsPerCall: 16, Shards: 1, AutoShards: true, Loop: config.LoopUnroll, StepsPerSecond: 2000, ExamplesPerSecond: 256000,
			SpeedupVsFirst: 25, TargetAccuracy: 0.98, TargetReached: true, TimeToTargetSec: 4.2, EpochsToTarget: 3,
			Note: "the While loop did not compile"},
	}
	if err := bench.Table(os.Stdout, results); err != nil {
		log.Fatal(err)
	}
	// Output:
	// backend  batch  precision  shards   steps/call  startup s  compile s  train steps/s  train ex/s  p50 ms  p90 ms  p99 ms  spread  eval ex/s  GFLOP/s  speed-up  peak RSS MB  time to target
	//         go    128        f32  2 auto            1       0.00       0.00           80.0       10240    0.00    0.00    0.00    0.0%          0      0.0     1.00x            0               -
	//   xla:cuda    128        f32  1 auto  16 unrolled       0.00       0.00         2000.0      256000    0.00    0.00    0.00    0.0%          0      0.0    25.00x            0     4.2s (3 ep)
	// note: xla:cuda batch 128 f32: the While loop did not compile
}
