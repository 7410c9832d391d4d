package train

import (
	"fmt"
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
	// The same step through GoMLX's autodiff instead of the model's
	// hand-written backward pass, to measure what the latter saves.
	pAuto, err := newProgram(engine, cfg, m, 1000)
	if err != nil {
		b.Fatal(err)
	}
	pAuto.autodiff = true
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
		{"train_autodiff", func() error { x, y := batchTensors(); _, _, err := run(pAuto.trainExec, x, y); return err }},
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
