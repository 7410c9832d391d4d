package config

import (
	"errors"
	"testing"

	"github.com/neurona/neurona/models"
)

func TestConfigValidate(t *testing.T) {
	ok := func(mutate func(*Config)) Config {
		c := Defaults(models.MLP)
		mutate(&c)
		return c
	}
	tests := []struct {
		name    string
		cfg     Config
		wantErr error
	}{
		{"the mlp defaults are valid", Defaults(models.MLP), nil},
		{"the perceptron defaults are valid", Defaults(models.Perceptron), nil},
		{"sgd with momentum is valid", ok(func(c *Config) { c.Optimizer, c.Momentum = "sgd", 0.9 }), nil},
		{"an unknown optimizer is rejected", ok(func(c *Config) { c.Optimizer = "lbfgs" }), ErrConfig},
		{"a negative learning rate is rejected", ok(func(c *Config) { c.LR = -1 }), ErrConfig},
		{"a zero learning rate is rejected", ok(func(c *Config) { c.LR = 0 }), ErrConfig},
		{"momentum with adam is rejected", ok(func(c *Config) { c.Momentum = 0.9 }), ErrConfig},
		{"momentum of 1 is rejected", ok(func(c *Config) { c.Optimizer, c.Momentum = "sgd", 1 }), ErrConfig},
		{"a zero batch size is rejected", ok(func(c *Config) { c.BatchSize = 0 }), ErrConfig},
		{"the largest batch size is valid", ok(func(c *Config) { c.BatchSize = MaxBatchSize }), nil},
		{"a batch size beyond the limit is rejected", ok(func(c *Config) { c.BatchSize = 100_000_000 }), ErrConfig},
		{"zero epochs are rejected", ok(func(c *Config) { c.Epochs = 0 }), ErrConfig},
		{"a validation split of 1 is rejected", ok(func(c *Config) { c.ValSplit = 1 }), ErrConfig},
		{"an unknown schedule is rejected", ok(func(c *Config) { c.Schedule = "step" }), ErrConfig},
		{"zero steps per call mean automatic", ok(func(c *Config) { c.StepsPerCall = 0 }), nil},
		{"negative steps per call are rejected", ok(func(c *Config) { c.StepsPerCall = -1 }), ErrConfig},
		{"an unrolled loop is valid", ok(func(c *Config) { c.Loop = LoopUnroll }), nil},
		{"an unknown loop is rejected", ok(func(c *Config) { c.Loop = "scan" }), ErrConfig},
		{"restore-best without validation is rejected", ok(func(c *Config) { c.ValSplit, c.RestoreBest = 0, true }), ErrConfig},
		{"a warm-up of a fraction of an epoch is valid", ok(func(c *Config) { c.Warmup = 0.5 }), nil},
		{"a negative warm-up is rejected", ok(func(c *Config) { c.Warmup = -1 }), ErrConfig},
		{"a warm-up longer than the run is rejected", ok(func(c *Config) { c.Warmup = float64(c.Epochs) + 1 }), ErrConfig},
		{"averaging the perceptron is valid", func() Config { c := Defaults(models.Perceptron); c.Average = true; return c }(), nil},
		{"averaging the mlp is rejected", ok(func(c *Config) { c.Average = true }), ErrConfig},
		{"an unknown activation is a model error", ok(func(c *Config) { c.Model.Activation = "swish" }), models.ErrSpec},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if tc.wantErr == nil && err != nil {
				t.Fatalf("Validate() = %v, want nil", err)
			}
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Fatalf("Validate() = %v, want %v", err, tc.wantErr)
			}
		})
	}
}
