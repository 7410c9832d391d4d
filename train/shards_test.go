package train

import (
	"fmt"
	"math"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train/backend"
	"github.com/neurona/neurona/train/config"
)

// TestShardedStepsMatchTheUnshardedStep trains a few steps with the batch
// split into shards, even and uneven, and checks the weights, the optimizer
// state and the reported sums against the unsharded step's: the same up to
// float rounding, for a loss averaged over the batch (the MLP) and one
// summed over it (the perceptron).
func TestShardedStepsMatchTheUnshardedStep(t *testing.T) {
	mlp := func(mutate func(*config.Config)) config.Config {
		cfg := config.Defaults(models.MLP)
		cfg.Model.Hidden = []int{16}
		mutate(&cfg)
		return cfg
	}
	for _, tc := range []struct {
		name   string
		cfg    config.Config
		shards []int
	}{
		{"the MLP with adam, warm-up and a cosine schedule", mlp(func(c *config.Config) {}), []int{2, 4, 7}},
		{"the MLP with sgd, momentum and the squared error", mlp(func(c *config.Config) {
			c.Optimizer, c.LR, c.Momentum, c.Model.Loss = "sgd", 0.1, 0.9, models.LossMSE
		}), []int{3}},
		{"the averaged perceptron, whose loss sums over the batch", config.Defaults(models.Perceptron), []int{2, 5}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const batch, steps = 30, 3
			tc.cfg.BatchSize, tc.cfg.StepsPerCall = batch, 1
			if err := tc.cfg.Validate(); err != nil {
				t.Fatal(err)
			}
			want, wantSums := shardedSteps(t, tc.cfg, 1, batch, steps)
			for _, shards := range tc.shards {
				got, sums := shardedSteps(t, tc.cfg, shards, batch, steps)
				for i := range sums {
					if d := math.Abs(sums[i] - wantSums[i]); d > 1e-5*(1+math.Abs(wantSums[i])) {
						t.Errorf("%d shards: call %d returned %g, unsharded %g", shards, i/2, sums[i], wantSums[i])
					}
				}
				if len(got) != len(want) {
					t.Fatalf("%d shards: %d variables, unsharded %d", shards, len(got), len(want))
				}
				for path, w := range want {
					if i, d := maxDiff(got[path], w); d > 1e-5 {
						t.Errorf("%d shards: %s[%d] = %g, unsharded %g", shards, path, i, got[path][i], w[i])
					}
				}
			}
		})
	}
}

// shardedSteps runs steps training calls of cfg with the batch split into
// shards on the Go backend, each on its own batch of made-up pixels, and
// returns every variable's value after them and each call's two sums.
func shardedSteps(t *testing.T, cfg config.Config, shards, batch, steps int) (map[string][]float32, []float64) {
	t.Helper()
	engine, name := newGoBackend(t)
	cfg.Shards = shards
	if err := backend.PrepareShards(engine, name, shards); err != nil {
		t.Fatal(err)
	}
	m, err := models.New(cfg.Model)
	if err != nil {
		t.Fatal(err)
	}
	p, err := newProgram(engine, cfg, m, 10*steps)
	if err != nil {
		t.Fatal(err)
	}
	p.warmupSteps = 2
	inputs := cfg.Model.Inputs
	var sums []float64
	seed := uint32(1)
	for range steps {
		pixels := make([]uint8, batch*inputs)
		for i := range pixels {
			seed = seed*1664525 + 1013904223 // a linear congruential generator: the same pixels every run
			pixels[i] = uint8(seed >> 24)
		}
		labels := make([]int32, batch)
		for i := range labels {
			labels[i] = int32((i*7 + int(seed>>28)) % cfg.Model.Classes)
		}
		loss, correct, err := run(p.trainExec, tensors.FromFlatDataAndDimensions(pixels, batch, inputs), tensors.FromFlatDataAndDimensions(labels, batch))
		if err != nil {
			t.Fatalf("%d shards: %v", shards, err)
		}
		sums = append(sums, loss, correct)
	}
	return variableValues(p), sums
}

// maxDiff returns where a and b differ most, relative to b's size past 1.
func maxDiff(a, b []float32) (at int, diff float64) {
	if len(a) != len(b) {
		return 0, math.Inf(1)
	}
	for i := range b {
		d := math.Abs(float64(a[i])-float64(b[i])) / math.Max(1, math.Abs(float64(b[i])))
		if d > diff {
			at, diff = i, d
		}
	}
	return at, diff
}

func TestAutoShards(t *testing.T) {
	cores := runtime.GOMAXPROCS(0)
	for _, tc := range []struct {
		name          string
		shards, batch int
		backend       string
		want          int
	}{
		{"shards asked for are kept, on any backend", 3, 128, "xla:cuda", 3},
		{"XLA splits its own kernels: one program", 0, 512, "xla:cuda", 1},
		{"the Go backend gets a shard per core", 0, 64 * config.MaxShards, "go", min(cores, config.MaxShards)},
		{"each shard has at least MinShardRows rows", 0, 2*config.MinShardRows - 1, "go", 1},
		{"an unlimited worker pool gets a shard per core", 0, 64 * config.MinShardRows, "go:parallelism=-1", min(cores, 64)},
		{"a worker pool bounded by an option gets one", 0, 64 * config.MinShardRows, "go:parallelism=3", 1},
		{"the Go backend running operations one at a time gets one", 0, 1024, "go:ops_sequential", 1},
		{"each shard has at least MinShardWork multiply-adds: MLP 784-64-10 at batch 128", 0, 128, "go", 1},
		{"the default MLP at batch 128 is split", 0, 128, "go", min(cores, 2)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := config.Defaults(models.MLP)
			cfg.Shards, cfg.BatchSize = tc.shards, tc.batch
			cfg.Model.Inputs, cfg.Model.Classes = 784, 10
			if strings.Contains(tc.name, "784-64-10") {
				cfg.Model.Hidden = []int{64}
			}
			if got := AutoShards(cfg, tc.backend); got != tc.want {
				t.Errorf("AutoShards(shards %d, batch %d, %s) = %d, want %d", tc.shards, tc.batch, tc.backend, got, tc.want)
			}
		})
	}
}

// PlannedShards gives the shards Run picks, without starting a backend:
// the Go backend's configuration for the model's size decides, as in Run.
func TestPlannedShards(t *testing.T) {
	cores := runtime.GOMAXPROCS(0)
	for _, tc := range []struct {
		name   string
		model  string
		hidden []int
		shards int
		want   int
	}{
		{"an MLP on the Go backend: a shard per core", models.MLP, []int{256}, 0, min(cores, 1024/config.MinShardRows)},
		{"a model small enough to run one operation at a time: one", models.MLP, []int{8}, 0, 1},
		{"the perceptron runs one operation at a time: one", models.Perceptron, nil, 0, 1},
		{"shards asked for are kept", models.MLP, []int{8}, 3, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := config.Defaults(tc.model)
			cfg.Backend, cfg.BatchSize, cfg.Shards = backend.Go, 1024, tc.shards
			if tc.model == models.MLP {
				cfg.Model.Hidden = tc.hidden
			}
			got, err := PlannedShards(cfg)
			if err != nil || got != tc.want {
				t.Errorf("PlannedShards = %d, %v; want %d", got, err, tc.want)
			}
		})
	}
}

func TestShardRows(t *testing.T) {
	for _, tc := range []struct{ batch, shards int }{{512, 2}, {30, 7}, {5, 5}, {1, 1}, {100, 3}} {
		t.Run(fmt.Sprintf("%d rows in %d shards differ by a row at most and add up", tc.batch, tc.shards), func(t *testing.T) {
			rows := shardRows(tc.batch, tc.shards)
			total, low, high := 0, tc.batch, 0
			for _, r := range rows {
				total, low, high = total+r, min(low, r), max(high, r)
			}
			if len(rows) != tc.shards || total != tc.batch || high-low > 1 || low < 1 {
				t.Errorf("shardRows(%d, %d) = %v", tc.batch, tc.shards, rows)
			}
		})
	}
}

// TestCompiledShardsDoNotDeadlockTheGoBackend trains steps of the default
// MLP in 4 shards through Compile on the plain Go backend: products large
// enough to split themselves over the backend's workers, more of them ready
// at once than its default pool has workers. Without the unlimited pool
// Compile sets (backend.PrepareShards) such a step hangs within a few calls.
func TestCompiledShardsDoNotDeadlockTheGoBackend(t *testing.T) {
	m := smallMNIST(t, 2100, 100)
	cfg := config.Defaults(models.MLP)
	cfg.Shards, cfg.Epochs = 4, 1
	if err := cfg.FitData(m); err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	engine, name := newGoBackend(t)
	cfg.Backend = name
	model, err := models.New(cfg.Model)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Compile(engine, cfg, model, m.Train, allIndices(m.Train.N), ProgramOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	done := make(chan error, 1)
	go func() {
		for e := range 3 {
			for batch, err := range p.Batches().Epoch(e) {
				if err == nil {
					_, _, err = p.TrainCall(batch)
				}
				if err != nil {
					done <- err
					return
				}
			}
		}
		done <- nil
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(2 * time.Minute): // 12 steps take about a second
		t.Fatal("12 training calls in 4 shards did not return in 2 minutes: the Go backend's workers deadlocked")
	}
}
