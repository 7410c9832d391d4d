package train

import (
	"testing"

	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train/config"
)

func TestAutoStepsPerCall(t *testing.T) {
	mlp, perceptron := config.Defaults(models.MLP), config.Defaults(models.Perceptron)
	unrolled := mlp
	unrolled.Loop = config.LoopUnroll
	for _, tc := range []struct {
		name    string
		cfg     config.Config
		backend string
		epoch   int
		want    int
	}{
		{"the MLP on the Go backend: one step per call", mlp, "go", 421, 1},
		{"the perceptron on the Go backend: one too", perceptron, "go:ops_sequential", 421, 1},
		{"on CUDA: a whole epoch per call", mlp, "xla:cuda", 421, 421},
		{"on CUDA, unrolled: 16", unrolled, "xla:cuda", 421, 16},
		{"unrolled, short epoch: the epoch", unrolled, "xla:cuda", 5, 5},
		{"an epoch without a full batch: one", mlp, "xla:cuda", 0, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := AutoStepsPerCall(tc.cfg, tc.backend, tc.epoch); got != tc.want {
				t.Errorf("AutoStepsPerCall(%s, %d steps) = %d, want %d", tc.backend, tc.epoch, got, tc.want)
			}
		})
	}
}
