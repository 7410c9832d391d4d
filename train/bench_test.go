package train

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train/backend"
)

// BenchmarkStep measures one training call and one evaluation call of each
// default model, per available backend and batch size, on random pixels.
// `neurona bench` is the side-by-side comparison; these feed benchstat.
func BenchmarkStep(b *testing.B) {
	for _, info := range backend.List() {
		if !info.Available {
			continue
		}
		for _, name := range models.Names {
			for _, batch := range []int{1, 128, 1024} {
				b.Run(fmt.Sprintf("backend=%s/model=%s/batch=%d", info.Name, name, batch), func(b *testing.B) {
					benchStep(b, info.Name, name, batch)
				})
			}
		}
	}
}

func benchStep(b *testing.B, backendName, modelName string, batch int) {
	engine, _, err := backend.New(backendName)
	if err != nil {
		b.Fatal(err)
	}
	defer engine.Finalize()
	cfg := Defaults(modelName)
	cfg.BatchSize, cfg.StepsPerCall = batch, 1
	if err := cfg.Validate(); err != nil {
		b.Fatal(err)
	}
	m, err := models.New(cfg.Model)
	if err != nil {
		b.Fatal(err)
	}
	p, err := newProgram(engine, cfg, m, 1000)
	if err != nil {
		b.Fatal(err)
	}
	inputs := cfg.Model.Inputs
	pixels := make([]uint8, batch*inputs)
	labels := make([]int32, batch)
	for i := range pixels {
		pixels[i] = uint8(i * 7)
	}
	for i := range labels {
		labels[i] = int32(i % 10)
	}
	batchTensors := func() (*tensors.Tensor, *tensors.Tensor) {
		return tensors.FromFlatDataAndDimensions(pixels, batch, inputs), tensors.FromFlatDataAndDimensions(labels, batch)
	}
	for _, exec := range []struct {
		name string
		run  func() error
	}{
		{"train", func() error { x, y := batchTensors(); _, _, err := run(p.trainExec, x, y); return err }},
		{"eval", func() error { x, y := batchTensors(); _, _, err := run(p.evalExec, x, y); return err }},
	} {
		b.Run(exec.name, func(b *testing.B) {
			if err := exec.run(); err != nil { // compile outside the timing
				b.Fatal(err)
			}
			b.ResetTimer()
			for b.Loop() {
				if err := exec.run(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(batch)*float64(b.N)/b.Elapsed().Seconds(), "examples/s")
		})
	}
}

func TestBenchFallsBackFromAWhileLoopThatDoesNotBuild(t *testing.T) {
	m := smallMNIST(t, 1100, 200)
	bc := BenchConfig{Base: Defaults(models.Perceptron), Backends: []string{backend.Go}, Batches: []int{50},
		MinSteps: 2, Repeats: 1, DataOnDevice: "off", breakWhile: true}
	bc.Base.StepsPerCall = 4
	results, err := Bench(context.Background(), bc, m, nil)
	if err != nil {
		t.Fatalf("bench with a While loop that does not build: %v", err)
	}
	r := results[0]
	if r.Loop != LoopUnroll || !strings.Contains(r.Note, "the While loop did not compile on go") ||
		!strings.Contains(r.Note, "4 steps per call (unrolled)") {
		t.Errorf("loop %q, note %q: want unrolled steps and a note saying why", r.Loop, r.Note)
	}
	if r.StepsPerSecond <= 0 {
		t.Errorf("nothing measured after the fallback: %+v", r)
	}

	// Asked for by name, the While loop fails with the way out.
	bc.Base.Loop = LoopWhile
	if _, err := Bench(context.Background(), bc, m, nil); !errors.Is(err, errWhileLoop) || !strings.Contains(err.Error(), "--loop unroll") {
		t.Errorf("--loop while on a backend that cannot: %v", err)
	}
}
