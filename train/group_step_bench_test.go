package train

import (
	"sync"
	"testing"
	"time"

	"github.com/neurona/neurona/data"
	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train/config"
)

// BenchmarkGroupStep times the training step of 8 trials of a recipe in
// one group against one trial alone (its automatic shards), in rounds
// that alternate the two, on the Go backend: trial-steps/s of each and
// their ratio, the steady-state speed-up of a group (compilation,
// evaluation and checkpoints, which a group shares, left out).
func BenchmarkGroupStep(b *testing.B) {
	m := smallMNIST(b, 10240, 100)
	for _, tc := range []struct {
		name   string
		hidden []int
		batch  int
	}{
		{"default MLP batch 512", nil, 512},
		{"default MLP batch 128", nil, 128},
		{"MLP 64 batch 128", []int{64}, 128},
	} {
		b.Run(tc.name, func(b *testing.B) {
			const trials, steps = 8, 8
			goBackend, name := newGoBackend(b)
			var cfgs []config.Config
			for i := range trials {
				c := config.Defaults(models.MLP)
				c.Seed, c.Backend, c.BatchSize = uint64(i+1), name, tc.batch
				if tc.hidden != nil {
					c.Model.Hidden = tc.hidden
				}
				if err := c.FitData(m); err != nil {
					b.Fatal(err)
				}
				if err := c.Validate(); err != nil {
					b.Fatal(err)
				}
				cfgs = append(cfgs, c)
			}
			model, _ := models.New(cfgs[0].Model)
			alone, err := Compile(goBackend, cfgs[0], model, m.Train, allIndices(m.Train.N), ProgramOptions{})
			if err != nil {
				b.Fatal(err)
			}
			group, err := CompileGroup(goBackend, cfgs, model, m.Train, allIndices(m.Train.N), ProgramOptions{})
			if err != nil {
				b.Fatal(err)
			}
			defer func() {
				for _, p := range group {
					p.Leave()
				}
			}()
			var aloneTime, groupTime time.Duration
			for range b.N {
				start := time.Now()
				trainSteps(b, alone, steps)
				aloneTime += time.Since(start)
				start = time.Now()
				var wg sync.WaitGroup
				for _, p := range group {
					wg.Go(func() { trainSteps(b, p, steps) })
				}
				wg.Wait()
				groupTime += time.Since(start)
			}
			one := float64(b.N*steps) / aloneTime.Seconds()
			grouped := float64(b.N*steps*trials) / groupTime.Seconds()
			b.ReportMetric(one, "alone_trial-steps/s")
			b.ReportMetric(grouped, "group8_trial-steps/s")
			b.ReportMetric(grouped/one, "speedup")
			b.Logf("%s: %d shards alone", tc.name, alone.Config().Shards)
		})
	}
}

// trainSteps runs steps training calls of p on its pipeline.
func trainSteps(b *testing.B, p *Program, steps int) {
	done := 0
	for done < steps {
		for batch, err := range p.Batches().Epoch(0) {
			if err != nil {
				b.Error(err)
				return
			}
			if done == steps {
				_ = batch.Finalize()
				break
			}
			if _, _, err := p.TrainCall(batch); err != nil {
				b.Error(err)
				return
			}
			done += batch.Spec.(data.Group).Steps
		}
	}
}
