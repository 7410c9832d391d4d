package bench

import (
	"context"
	"errors"
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
