package train

import (
	"fmt"
	"math"
	"testing"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph code reads better dot-imported, as in GoMLX.
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"
	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train/config"
)

// TestScheduleLR checks the learning rate each schedule gives at chosen
// steps of a 100-step run at LR 0.01, with and without a warm-up of 10
// steps.
func TestScheduleLR(t *testing.T) {
	const lr, total = 0.01, 100
	cosine := func(frac float64) float64 { return lr * (1 + math.Cos(math.Pi*frac)) / 2 }
	tests := []struct {
		schedule string
		warmup   int
		step     int64 // steps done before this one
		want     float64
	}{
		{"constant", 0, 0, lr},
		{"constant", 0, 150, lr},
		{"constant", 10, 0, lr / 10}, // the first step's rate is LR/W
		{"constant", 10, 4, lr / 2},
		{"constant", 10, 9, lr}, // LR from step W on
		{"constant", 10, 50, lr},
		{"cosine", 0, 0, lr},
		{"cosine", 0, 25, cosine(0.25)},
		{"cosine", 0, 50, lr / 2},
		{"cosine", 0, 100, 0},
		{"cosine", 0, 130, 0}, // held at 0 past the end
		{"cosine", 10, 0, lr / 10},
		{"cosine", 10, 9, lr}, // end of the warm-up, start of the decay
		{"cosine", 10, 10, lr},
		{"cosine", 10, 55, lr / 2}, // half way through the 90 steps of decay
		{"cosine", 10, 100, 0},
	}
	engine, _ := newGoBackend(t)
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s with %d warm-up steps at step %d", tt.schedule, tt.warmup, tt.step), func(t *testing.T) {
			cfg := config.Defaults(models.Perceptron)
			cfg.Schedule, cfg.LR = tt.schedule, lr
			m, err := models.New(cfg.Model)
			if err != nil {
				t.Fatal(err)
			}
			p, err := newProgram(engine, cfg, m, total)
			if err != nil {
				t.Fatal(err)
			}
			p.warmupSteps = tt.warmup
			if err := optimizer.GetGlobalStepVar(p.store).SetValue(tensors.FromScalar(tt.step)); err != nil {
				t.Fatal(err)
			}
			exec, err := model.NewExec(engine, p.store, func(scope *model.Scope, x *Node) *Node {
				p.scheduleLR(scope, x.Graph())
				return Add(x, optimizer.LearningRateVar(scope, dtypes.Float32, lr).NodeValue(x.Graph()))
			})
			if err != nil {
				t.Fatal(err)
			}
			defer exec.Finalize()
			out, err := exec.Call(float32(0))
			if err != nil {
				t.Fatal(err)
			}
			if got := float64(tensors.ToScalar[float32](out[0])); math.Abs(got-tt.want) > 1e-7 {
				t.Errorf("learning rate %g, want %g", got, tt.want)
			}
			if got := p.LearningRate(int(tt.step)); math.Abs(got-tt.want) > 1e-12 {
				t.Errorf("LearningRate (on the host) %g, want %g", got, tt.want)
			}
		})
	}
}
