package train

import (
	"fmt"
	"testing"
	"time"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train/backend"
	"github.com/neurona/neurona/train/config"
)

// interleavedSteps are the steps BenchmarkShardsInterleaved compares, today's
// unsplit step first: the label of each in the reported metrics, its Go
// backend and its shards.
var interleavedSteps = []struct {
	label, backend string
	shards         int
}{
	{"S1", "go", 1},
	{"S1unlimited", "go:parallelism=-1", 1},
	{"S2", "go", 2},
	{"S4", "go", 4},
}

// BenchmarkShardsInterleaved measures the default MLP's training step on
// the Go backend unsplit (with the default worker pool and an unlimited
// one) and in 2 and 4 shards (with the unlimited pool PrepareShards sets),
// one call of each in turn, so that a machine busy with something else
// slows them alike. It reports each one's steps/s and its speed-up over the
// unsplit step on the default pool; run it with -count to see their spread
// (docs/performance.md, "Sharded steps").
func BenchmarkShardsInterleaved(b *testing.B) {
	for _, batch := range []int{128, 512, 1024} {
		b.Run(fmt.Sprintf("model=%s/batch=%d", models.MLP, batch), func(b *testing.B) {
			calls := make([]func() error, len(interleavedSteps))
			for i, s := range interleavedSteps {
				engine, name, err := backend.New(s.backend)
				if err != nil {
					b.Fatal(err)
				}
				defer engine.Finalize()
				if err := backend.PrepareShards(engine, name, s.shards); err != nil { // as Compile does
					b.Fatal(err)
				}
				calls[i] = mlpTrainCall(b, engine, batch, s.shards)
				if err := calls[i](); err != nil { // compile outside the timing
					b.Fatal(err)
				}
			}
			spent := make([]time.Duration, len(calls))
			for b.Loop() {
				for i, call := range calls {
					start := time.Now()
					if err := call(); err != nil {
						b.Fatal(err)
					}
					spent[i] += time.Since(start)
				}
			}
			for i, s := range interleavedSteps {
				b.ReportMetric(float64(b.N)/spent[i].Seconds(), "steps/s_"+s.label)
				if i > 0 {
					b.ReportMetric(spent[0].Seconds()/spent[i].Seconds(), "speedup_"+s.label)
				}
			}
		})
	}
}

// mlpTrainCall compiles the default MLP's training step for batch examples
// in shards on engine and returns a call of it on a batch of made-up pixels.
func mlpTrainCall(b *testing.B, engine compute.Backend, batch, shards int) func() error {
	cfg := config.Defaults(models.MLP)
	cfg.BatchSize, cfg.StepsPerCall, cfg.Shards = batch, 1, shards
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
	return func() error {
		_, _, err := run(p.trainExec, tensors.FromFlatDataAndDimensions(pixels, batch, inputs), tensors.FromFlatDataAndDimensions(labels, batch))
		return err
	}
}
