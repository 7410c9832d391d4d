package train

import (
	"math"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train/config"
)

// TestHandWrittenBackwardTrainsAsAutodiff runs a few training steps of
// each optimizer through the models' hand-written backward pass and through
// GoMLX's autodiff, and compares every variable after them (weights,
// optimizer state, averages): the gradients reach the optimizers in the
// right order, and the two ways train the same model.
func TestHandWrittenBackwardTrainsAsAutodiff(t *testing.T) {
	m := smallMNIST(t, 200, 10)
	engine, _ := newGoBackend(t)
	for _, tc := range []struct {
		name   string
		mutate func(*config.Config)
	}{
		{"adam with a cosine schedule", func(c *config.Config) {}},
		{"adamw", func(c *config.Config) { c.Optimizer = "adamw" }},
		{"sgd with momentum and tanh", func(c *config.Config) { c.Optimizer, c.LR, c.Momentum, c.Model.Activation = "sgd", 0.05, 0.9, "tanh" }},
		{"sgd and sigmoid outputs", func(c *config.Config) { c.Optimizer, c.LR, c.Model.Loss = "sgd", 0.1, models.LossSigmoidBCE }},
		{"the perceptron", func(c *config.Config) { *c = config.Defaults(models.Perceptron); c.Average = false }},
		{"the averaged perceptron", func(c *config.Config) { *c = config.Defaults(models.Perceptron); c.Average = true }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := config.Defaults(models.MLP)
			cfg.Model.Hidden = []int{32, 16}
			tc.mutate(&cfg)
			cfg.BatchSize, cfg.StepsPerCall = 50, 1
			if err := cfg.Validate(); err != nil {
				t.Fatal(err)
			}
			model, err := models.New(cfg.Model)
			if err != nil {
				t.Fatal(err)
			}
			var values []map[string][]float32
			for _, autodiff := range []bool{false, true} {
				c := cfg
				c.Autodiff = autodiff
				p, err := newProgram(engine, c, model, 4)
				if err != nil {
					t.Fatal(err)
				}
				for step := range 4 {
					rows := m.Train.Images[step*50*784 : (step+1)*50*784]
					labels := make([]int32, 50)
					for i := range labels {
						labels[i] = int32(m.Train.Labels[step*50+i])
					}
					x := tensors.FromFlatDataAndDimensions(append([]uint8(nil), rows...), 50, 784)
					y := tensors.FromFlatDataAndDimensions(labels, 50)
					if _, _, err := run(p.trainExec, x, y); err != nil {
						t.Fatal(err)
					}
				}
				values = append(values, variableValues(p))
			}
			hand, auto := values[0], values[1]
			if len(hand) != len(auto) {
				t.Fatalf("%d variables by hand, %d with autodiff", len(hand), len(auto))
			}
			for path, want := range auto {
				got, ok := hand[path]
				if !ok {
					t.Fatalf("no variable %s by hand", path)
				}
				var largest, worst float64
				for i := range want {
					largest = max(largest, math.Abs(float64(want[i])))
					worst = max(worst, math.Abs(float64(got[i]-want[i])))
				}
				if worst > 1e-4*(1+largest) {
					t.Errorf("%s differs by up to %g (largest magnitude %g)", path, worst, largest)
				}
			}
		})
	}
}
