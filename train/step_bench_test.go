package train

import (
	"fmt"
	"iter"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"
	gtrain "github.com/gomlx/gomlx/ml/train"
	"github.com/neurona/neurona/data"
	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train/backend"
	"github.com/neurona/neurona/train/config"
)

// BenchmarkStep measures one training call and one evaluation call of each
// default model (config.Defaults), per available backend and batch size, on
// random pixels: "train" is the default recipe's step; for the perceptron
// "train_plain" and "train_averaged", Rosenblatt's rule without and with
// the averaged weights. The plain Go backend runs as `neurona train` runs
// it (backend.GoFor: the perceptron's operations sequentially; the
// automatic shards). `neurona bench` is the side-by-side comparison; these
// feed benchstat.
func BenchmarkStep(b *testing.B) {
	for _, info := range backend.List() {
		if !info.Available {
			continue
		}
		for _, name := range models.Names() {
			for _, batch := range []int{1, 32, 128, 512, 1024} {
				b.Run(fmt.Sprintf("backend=%s/model=%s/batch=%d", info.Name, name, batch), func(b *testing.B) {
					benchStep(b, info.Name, name, batch, 0)
				})
			}
		}
	}
}

// BenchmarkGoParallelism measures the default MLP's training step at
// batches 128 and 1024 and the perceptron's at 128 with the Go backend's
// worker pool at several sizes (its default is twice the cores; 2 is left
// out, since it deadlocks on 2 or more cores: see backend.checkGoOptions),
// unsplit (BenchmarkShards splits it).
func BenchmarkGoParallelism(b *testing.B) {
	for _, workers := range []int{1, 3, 4, 8, -1} {
		for _, c := range []struct {
			model string
			batch int
		}{{models.MLP, 128}, {models.MLP, 1024}, {models.Perceptron, 128}} {
			name := fmt.Sprintf("go:parallelism=%d", workers)
			if c.model == models.Perceptron {
				name += ",ops_sequential"
			}
			b.Run(fmt.Sprintf("parallelism=%d/model=%s/batch=%d", workers, c.model, c.batch), func(b *testing.B) {
				benchStep(b, name, c.model, c.batch, 1, "train")
			})
		}
	}
}

// BenchmarkShards measures the default MLP's training step on the Go
// backend with each batch split into 1, 2, 4 and 8 shards
// (config.Config.Shards) at batches 128, 512 and 1024: the speed-up of
// running the shards side by side, per batch size, on this machine's cores.
func BenchmarkShards(b *testing.B) {
	for _, batch := range []int{128, 512, 1024} {
		for _, shards := range []int{1, 2, 4, 8} {
			b.Run(fmt.Sprintf("model=%s/batch=%d/shards=%d", models.MLP, batch, shards), func(b *testing.B) {
				benchStep(b, backend.Go, models.MLP, batch, shards, "train")
			})
		}
	}
}

// benchStep runs the sub-benchmarks of one backend, model, batch and
// shards (0: automatic, as neurona train picks them): those named in only,
// or all.
func benchStep(b *testing.B, backendName, modelName string, batch, shards int, only ...string) {
	cfg := config.Defaults(modelName)
	cfg.BatchSize, cfg.StepsPerCall, cfg.Shards = batch, 1, shards
	if err := cfg.Validate(); err != nil {
		b.Fatal(err)
	}
	if backendName == backend.Go {
		size, err := cfg.Model.Size()
		if err != nil {
			b.Fatal(err)
		}
		backendName = backend.GoFor(size.MultiplyAdds)
	}
	cfg.Shards = AutoShards(cfg, backendName)
	engine, name, err := backend.New(backendName)
	if err != nil {
		b.Fatal(err)
	}
	defer engine.Finalize()
	if err := backend.PrepareShards(engine, name, cfg.Shards); err != nil { // as Compile does
		b.Fatal(err)
	}
	m, err := models.New(cfg.Model)
	if err != nil {
		b.Fatal(err)
	}
	program := func(mutate func(*Program)) *Program {
		p, err := newProgram(engine, cfg, m, 1000)
		if err != nil {
			b.Fatal(err)
		}
		mutate(p)
		return p
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
	call := func(p *Program, train bool) func() error {
		return func() error {
			x, y := tensors.FromFlatDataAndDimensions(pixels, batch, inputs), tensors.FromFlatDataAndDimensions(labels, batch)
			exec := p.evalExec
			if train {
				exec = p.trainExec
			}
			_, _, err := run(exec, x, y)
			return err
		}
	}
	type variant struct {
		name string
		run  func() error
	}
	def := program(func(*Program) {})
	variants := []variant{{"train", call(def, true)}}
	if modelName == models.Perceptron {
		for _, average := range []bool{false, true} {
			name := map[bool]string{false: "train_plain", true: "train_averaged"}[average]
			variants = append(variants, variant{name, call(program(func(p *Program) { p.cfg.Average = average }), true)})
		}
	}
	variants = append(variants, variant{"eval", call(def, false)})
	for _, v := range variants {
		if len(only) > 0 && v.name != only[0] {
			continue
		}
		b.Run(v.name, func(b *testing.B) {
			if err := v.run(); err != nil { // compile outside the timing
				b.Fatal(err)
			}
			b.ResetTimer()
			for b.Loop() {
				if err := v.run(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(batch)*float64(b.N)/b.Elapsed().Seconds(), "examples/s")
		})
	}
}

// BenchmarkTrainCall measures Program.TrainCall as train.Run makes it, on
// real MNIST batches from the training pipeline (host batch assembly with
// prefetch, the call, the sums read back): with BenchmarkStep, which feeds
// one prepared batch, it separates the pipeline's cost from the step's, and
// a CPU profile of it shows the whole loop.
func BenchmarkTrainCall(b *testing.B) {
	mnist := smallMNIST(b, 0, 0)
	for _, c := range []struct {
		model string
		batch int
	}{{models.MLP, 128}, {models.MLP, 512}, {models.MLP, 1024}, {models.Perceptron, 32}, {models.Perceptron, 128}} {
		b.Run(fmt.Sprintf("model=%s/batch=%d", c.model, c.batch), func(b *testing.B) {
			cfg := config.Defaults(c.model)
			cfg.BatchSize = c.batch
			if err := cfg.FitData(mnist); err != nil {
				b.Fatal(err)
			}
			size, err := cfg.Model.Size()
			if err != nil {
				b.Fatal(err)
			}
			cfg.Backend = backend.GoFor(size.MultiplyAdds)
			engine, name, err := backend.New(cfg.Backend)
			if err != nil {
				b.Fatal(err)
			}
			defer engine.Finalize()
			cfg.Backend = name
			m, err := models.New(cfg.Model)
			if err != nil {
				b.Fatal(err)
			}
			trainIdx, _, err := data.Split(mnist.Train.N, cfg.ValSplit, cfg.Seed)
			if err != nil {
				b.Fatal(err)
			}
			p, err := Compile(engine, cfg, m, mnist.Train, trainIdx, ProgramOptions{})
			if err != nil {
				b.Fatal(err)
			}
			defer p.Close()
			next, stop := iter.Pull2(func(yield func(gtrain.Batch, error) bool) {
				for e := 0; ; e++ {
					for batch, err := range p.Batches().Epoch(e) {
						if !yield(batch, err) {
							_ = batch.Finalize()
							return
						}
					}
				}
			})
			defer stop()
			examples := 0
			b.ResetTimer()
			for b.Loop() {
				batch, err, _ := next()
				if err != nil {
					b.Fatal(err)
				}
				group := batch.Spec.(data.Group)
				if _, _, err := p.TrainCall(batch); err != nil {
					b.Fatal(err)
				}
				examples += group.Steps * group.BatchSize
			}
			b.ReportMetric(float64(examples)/b.Elapsed().Seconds(), "examples/s")
		})
	}
}
