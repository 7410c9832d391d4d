package bench

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"

	"github.com/neurona/neurona/data"
	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train"
	"github.com/neurona/neurona/train/backend"
	"github.com/neurona/neurona/train/config"
)

// smallMNIST loads the real MNIST (skipping the test where it is absent)
// and keeps the first nTrain training and nTest test images.
func smallMNIST(t testing.TB, nTrain, nTest int) *data.MNIST {
	t.Helper()
	m, err := data.Load(context.Background(), data.LocateOptions{})
	if err != nil {
		t.Skipf("MNIST not available: %v", err)
	}
	m.Train, m.Test = m.Train.First(nTrain), m.Test.First(nTest)
	return m
}

func TestBenchFallsBackFromAWhileLoopThatDoesNotBuild(t *testing.T) {
	m := smallMNIST(t, 1100, 200)
	bc := Config{Base: config.Defaults(models.Perceptron), Backends: []string{backend.Go}, Batches: []int{50},
		MinSteps: 2, Repeats: 1, DataOnDevice: "off", Faults: train.Faults{RefuseWhile: true}}
	bc.Base.StepsPerCall = 4
	results, err := Run(context.Background(), bc, m, nil)
	if err != nil {
		t.Fatalf("bench with a While loop that does not build: %v", err)
	}
	r := results[0]
	if r.Loop != config.LoopUnroll || !strings.Contains(r.Note, "the While loop did not compile on go") ||
		!strings.Contains(r.Note, "4 steps at a time (unrolled)") {
		t.Errorf("loop %q, note %q: want unrolled steps and a note saying why", r.Loop, r.Note)
	}
	if r.StepsPerSecond <= 0 {
		t.Errorf("nothing measured after the fallback: %+v", r)
	}

	// Asked for by name, the While loop fails, with an error the command
	// line tells apart (and adds the way out to).
	bc.Base.Loop = config.LoopWhile
	if _, err := Run(context.Background(), bc, m, nil); !errors.Is(err, train.ErrWhileLoop) {
		t.Errorf("--loop while on a backend that cannot: %v", err)
	}
}

// TestBenchMeasuresTheUnsplitStepBesideAutomaticShards: where the automatic
// shards split a step, bench measures the unsplit step too, in the row
// before, and the sharded row's speed-up is against it.
func TestBenchMeasuresTheUnsplitStepBesideAutomaticShards(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 {
		t.Skip("one core: the automatic shards do not split a step")
	}
	m := smallMNIST(t, 1100, 300)
	bc := Config{Base: config.Defaults(models.MLP), Backends: []string{backend.Go}, Batches: []int{2 * config.MinShardRows},
		MinSteps: 2, Repeats: 1, DataOnDevice: "off"}
	bc.Base.Model.Hidden = []int{256} // each shard of 64 rows over config.MinShardWork
	results, err := Run(context.Background(), bc, m, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 2 || results[0].Shards != 1 || results[0].AutoShards || results[1].Shards != 2 || !results[1].AutoShards {
		t.Fatalf("%d rows, want the unsplit step then 2 automatic shards: %+v", len(results), results)
	}
	if got, want := results[1].SpeedupVsFirst, results[1].StepsPerSecond/results[0].StepsPerSecond; results[0].SpeedupVsFirst != 1 || got != want {
		t.Errorf("speed-ups %g and %g, want 1 and %g (against the unsplit step)", results[0].SpeedupVsFirst, got, want)
	}

	// Shards asked for are measured alone.
	bc.Base.Shards = 2
	if results, err = Run(context.Background(), bc, m, nil); err != nil || len(results) != 1 || results[0].Shards != 2 || results[0].AutoShards {
		t.Errorf("--shards 2: %v, %+v; want one row of 2 shards", err, results)
	}
}
