package train

import (
	"fmt"
	"sync"
	"testing"

	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train/config"
)

// BenchmarkGroupStep times a group's training step of the default MLP at
// batch 512, per group size: steps x trials per second is the metric.
func BenchmarkGroupStep(b *testing.B) {
	m := smallMNIST(b, 10240, 100)
	for _, trials := range []int{1, 8} {
		b.Run(fmt.Sprintf("trials=%d", trials), func(b *testing.B) {
			goBackend, name := newGoBackend(b)
			var cfgs []config.Config
			for i := range trials {
				c := config.Defaults(models.MLP)
				c.Seed, c.Backend = uint64(i+1), name
				if err := c.FitData(m); err != nil {
					b.Fatal(err)
				}
				if err := c.Validate(); err != nil {
					b.Fatal(err)
				}
				cfgs = append(cfgs, c)
			}
			model, _ := models.New(cfgs[0].Model)
			programs, err := CompileGroup(goBackend, cfgs, model, m.Train, allIndices(m.Train.N), ProgramOptions{})
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			var wg sync.WaitGroup
			for _, p := range programs {
				wg.Go(func() {
					defer p.Leave()
					done := 0
					for done < b.N {
						for batch, err := range p.Batches().Epoch(0) {
							if err != nil {
								b.Error(err)
								return
							}
							if done == b.N {
								_ = batch.Finalize()
								break
							}
							if _, _, err := p.TrainCall(batch); err != nil {
								b.Error(err)
								return
							}
							done++
						}
					}
				})
			}
			wg.Wait()
			b.ReportMetric(float64(b.N*trials)/b.Elapsed().Seconds(), "trial-steps/s")
		})
	}
}
