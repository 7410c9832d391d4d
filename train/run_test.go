package train

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/neurona/neurona/data"
	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train/backend"
	"github.com/neurona/neurona/train/config"
	"github.com/neurona/neurona/train/runfolder"
)

// smallMNIST loads the real MNIST (skipping the test where it is absent)
// and keeps the first nTrain training and nTest test images.
func smallMNIST(t testing.TB, nTrain, nTest int) *data.MNIST {
	t.Helper()
	m, err := data.Load(context.Background(), data.LocateOptions{})
	if err != nil {
		t.Skipf("MNIST not available: %v", err)
	}
	cut := func(s *data.Set, n int) *data.Set {
		size := s.ImageSize()
		return &data.Set{Images: s.Images[:n*size], Labels: s.Labels[:n], N: n, Rows: s.Rows, Cols: s.Cols}
	}
	if nTrain > 0 {
		m.Train = cut(m.Train, nTrain)
	}
	if nTest > 0 {
		m.Test = cut(m.Test, nTest)
	}
	return m
}

// runWeights trains cfg and returns the final value of every variable.
func runWeights(t *testing.T, cfg config.Config, m *data.MNIST) (*runfolder.Summary, map[string][]float32) {
	t.Helper()
	s, weights, out, err := runWith(t, cfg, m, Options{})
	if err != nil {
		t.Fatalf("Run: %v\n%s", err, out)
	}
	return s, weights
}

// runWith trains cfg on the Go backend in a fresh run folder with opts and
// returns the summary, the final variables (on success), the output and the
// error.
func runWith(t testing.TB, cfg config.Config, m *data.MNIST, opts Options) (*runfolder.Summary, map[string][]float32, string, error) {
	t.Helper()
	cfg.RunDir = filepath.Join(t.TempDir(), "run")
	goBackend, name := newGoBackend(t)
	cfg.Backend = name
	var out eventLog
	s, p, err := executeLogged(context.Background(), goBackend, cfg, m, &out, opts)
	if err != nil {
		return s, nil, out.String(), err
	}
	return s, variableValues(p), out.String(), nil
}

func TestStepsPerCallGivesTheSameWeights(t *testing.T) {
	m := smallMNIST(t, 1100, 200)
	for _, opt := range []string{"adam", "sgd"} {
		t.Run(opt, func(t *testing.T) {
			cfg := config.Defaults(models.MLP)
			cfg.Model.Hidden = []int{32}
			cfg.Optimizer, cfg.Epochs, cfg.BatchSize, cfg.ValSplit = opt, 2, 50, 0.1
			if opt == "sgd" {
				cfg.LR, cfg.Momentum = 0.1, 0.9
			}
			cfg.StepsPerCall = 1
			s1, w1 := runWeights(t, cfg, m)
			for _, loop := range config.Loops {
				cfg.StepsPerCall, cfg.Loop = 4, loop // 19 full steps per epoch: groups of 4,4,4,4,3 and the partial batch
				s4, w4 := runWeights(t, cfg, m)
				if s1.GlobalStep != s4.GlobalStep {
					t.Fatalf("%s: global steps differ: %d vs %d", loop, s1.GlobalStep, s4.GlobalStep)
				}
				if len(w1) == 0 || len(w1) != len(w4) {
					t.Fatalf("%s: variables: %d vs %d", loop, len(w1), len(w4))
				}
				for name, a := range w1 {
					b := w4[name]
					for i := range a {
						if a[i] != b[i] {
							t.Fatalf("%s[%d]: %g with 1 step per call, %g with 4 in a %s loop (the Go backend should match bit for bit)", name, i, a[i], b[i], loop)
						}
					}
				}
				if math.Abs(*s1.TestAccuracy-*s4.TestAccuracy) > 0.006 {
					t.Errorf("%s: test accuracy %.4f vs %.4f", loop, *s1.TestAccuracy, *s4.TestAccuracy)
				}
				l1, l4 := s1.TrainLoss, s4.TrainLoss
				if math.Abs(l1-l4) > 1e-4*(1+math.Abs(l1)) {
					t.Errorf("%s: last epoch's training loss %g vs %g", loop, l1, l4)
				}
			}
		})
	}
}

func TestDataOnDeviceGivesTheSameWeights(t *testing.T) {
	m := smallMNIST(t, 1100, 200)
	cfg := config.Defaults(models.MLP)
	cfg.Model.Hidden = []int{32}
	cfg.Epochs, cfg.BatchSize, cfg.StepsPerCall = 2, 50, 3
	_, host := runWeights(t, cfg, m)
	cfg.DataOnDevice = true
	s, resident := runWeights(t, cfg, m)
	if !s.Hyperparameters.DataOnDevice || len(host) == 0 {
		t.Fatalf("the run did not keep its data on the device (%v) or has no variables", s.Hyperparameters.DataOnDevice)
	}
	for name, a := range host {
		b := resident[name]
		for i := range a {
			if a[i] != b[i] {
				t.Fatalf("%s[%d]: %g from host batches, %g from batches gathered on the device", name, i, a[i], b[i])
			}
		}
	}
}

func TestRunWritesTheRunFolder(t *testing.T) {
	m := smallMNIST(t, 1000, 300)
	cfg := config.Defaults(models.MLP)
	cfg.Model.Hidden = []int{16}
	cfg.Epochs, cfg.BatchSize = 3, 64
	s, _ := runWeights(t, cfg, m)

	lines, err := os.ReadFile(filepath.Join(s.RunDir, "metrics.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	run, damaged := runfolder.ParseMetrics("metrics.jsonl", lines)
	if len(run.Epochs) != 3 || len(damaged) > 0 || len(run.Steps) == 0 {
		t.Fatalf("metrics.jsonl has %d epoch lines, %d step lines and %d damaged ones, want 3, some and none", len(run.Epochs), len(run.Steps), len(damaged))
	}
	for i, em := range run.Epochs {
		if em.Epoch != i+1 || em.ValAccuracy == nil || em.ExamplesPerSecond <= 0 {
			t.Errorf("line %d: %+v", i+1, em)
		}
	}
	raw, err := os.ReadFile(filepath.Join(s.RunDir, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	var fields map[string]any
	if err := json.Unmarshal(raw, &fields); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"model", "hyperparameters", "backend", "epochs", "train_seconds",
		"examples_per_second", "val_accuracy", "test_accuracy", "parameters"} {
		if _, ok := fields[key]; !ok {
			t.Errorf("summary.json lacks %q", key)
		}
	}
	if s.Parameters != 784*16+16+16*10+10 {
		t.Errorf("parameters = %d", s.Parameters)
	}
	if _, _, err := createRunDir(s.RunDir); err == nil {
		t.Error("a second run into the same folder was not refused")
	}
}

func TestInterruptedRunStopsAndSaysSo(t *testing.T) {
	m := smallMNIST(t, 2000, 100)
	cfg := config.Defaults(models.MLP)
	cfg.Model.Hidden = []int{8}
	cfg.RunDir = filepath.Join(t.TempDir(), "run")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s, err := Run(ctx, cfg, m, Options{})
	if err == nil || s == nil || s.StoppedBecause != "interrupted" {
		t.Fatalf("Run on a cancelled context = %v, summary %+v", err, s)
	}
	if _, err := os.Stat(filepath.Join(cfg.RunDir, "summary.json")); err != nil {
		t.Errorf("no summary for the interrupted run: %v", err)
	}
}

// variableValues copies every variable of the program's store.
func variableValues(p *Program) map[string][]float32 {
	out := map[string][]float32{}
	for v := range p.store.IterVariables() {
		value, err := v.Value()
		if err != nil || value.DType().String() != "Float32" {
			continue
		}
		out[v.Path()] = tensors.MustCopyFlatData[float32](value)
	}
	return out
}

func TestWhileLoopFallsBackToUnrolledSteps(t *testing.T) {
	m := smallMNIST(t, 1100, 200)
	cfg := config.Defaults(models.MLP)
	cfg.Model.Hidden = []int{32}
	cfg.Epochs, cfg.BatchSize, cfg.StepsPerCall = 1, 50, 4
	_, want := runWeights(t, cfg, m)

	run := func(cfg config.Config) (*runfolder.Summary, map[string][]float32, string, error) {
		return runWith(t, cfg, m, Options{Faults: Faults{RefuseWhile: true}})
	}
	// The default loop falls back, says so, and trains the same weights.
	s, got, out, err := run(cfg)
	if err != nil {
		t.Fatalf("with the default loop: %v\n%s", err, out)
	}
	if !strings.Contains(out, "the While loop did not compile") || s.Hyperparameters.Loop != config.LoopUnroll {
		t.Errorf("no fallback to unrolled steps reported (loop %q):\n%s", s.Hyperparameters.Loop, out)
	}
	for name, a := range want {
		for i := range a {
			if a[i] != got[name][i] {
				t.Fatalf("%s[%d]: %g in a While loop, %g after the fallback", name, i, a[i], got[name][i])
			}
		}
	}
	// Asked for by name, the While loop fails, with an error a front end
	// can tell (it adds the way out in its words).
	cfg.Loop = config.LoopWhile
	if _, _, out, err := run(cfg); !errors.Is(err, ErrWhileLoop) {
		t.Errorf("--loop while on a backend that cannot: err %v\n%s", err, out)
	}
}

// newGoBackend starts the Go backend for a test and finalizes it when the
// test ends; name is the backend's name as runs record it.
func newGoBackend(t testing.TB) (b compute.Backend, name string) {
	t.Helper()
	b, name, err := backend.New(backend.Go)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Finalize)
	return b, name
}
