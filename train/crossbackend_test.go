package train

import (
	"context"
	"math"
	"path/filepath"
	"testing"

	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train/backend"
	"github.com/neurona/neurona/train/config"
)

// TestCheckpointLoadsOnEveryBackend trains on each available backend, in
// each precision, and evaluates the checkpoint on each other one:
// checkpoints hold plain host values (float32 weights in either precision),
// so the accuracy must agree to float tolerance.
func TestCheckpointLoadsOnEveryBackend(t *testing.T) {
	var names []string
	for _, b := range backend.List() {
		if b.Available {
			names = append(names, b.Name)
		}
	}
	if len(names) < 2 {
		t.Skipf("only %v available: a round trip across backends needs two (an XLA PJRT plugin, see `neurona backends`)", names)
	}
	m := smallMNIST(t, 1000, 500)
	for _, run := range crossRuns(names) {
		from := run.backend
		cfg := config.Defaults(models.MLP)
		cfg.Model.Hidden, cfg.Epochs, cfg.Backend, cfg.Precision = []int{16}, 1, from, run.precision
		cfg.RunDir = filepath.Join(t.TempDir(), "run")
		s, err := Run(context.Background(), cfg, m, Options{})
		if err != nil {
			t.Fatalf("train on %s: %v", from, err)
		}
		c, _, err := ResolveCheckpoint(cfg.RunDir)
		if err != nil {
			t.Fatal(err)
		}
		for _, to := range names {
			target, _, err := backend.New(to)
			if err != nil {
				t.Fatal(err)
			}
			trained, err := LoadTrained(target, c)
			if err != nil {
				t.Fatalf("load a %s %s checkpoint on %s: %v", from, run.precision, to, err)
			}
			e, err := trained.Evaluate(m.Test)
			target.Finalize()
			if err != nil {
				t.Fatal(err)
			}
			// bfloat16 keeps 8 bits of mantissa, and backends round at
			// different points (XLA fuses elementwise ops in float32): a
			// few of the 500 test images may fall on the other side.
			tolerance := 0.002
			if run.precision == config.PrecisionBF16 {
				tolerance = 0.01
			}
			if math.Abs(e.Accuracy-*s.TestAccuracy) > tolerance {
				t.Errorf("trained on %s in %s (test accuracy %.4f), evaluated on %s: %.4f", from, run.precision, *s.TestAccuracy, to, e.Accuracy)
			}
		}
	}
}

func TestLoadedCheckpointEvaluatesAsTheRunDid(t *testing.T) {
	m := smallMNIST(t, 1000, 500)
	cfg := config.Defaults(models.MLP)
	cfg.Model.Hidden, cfg.Epochs = []int{16}, 2
	s, _ := runWeights(t, cfg, m)
	c, skipped, err := ResolveCheckpoint(s.RunDir)
	if err != nil || len(skipped) > 0 {
		t.Fatalf("ResolveCheckpoint: %v %v", err, skipped)
	}
	goBackend, _ := newGoBackend(t)
	trained, err := LoadTrained(goBackend, c)
	if err != nil {
		t.Fatal(err)
	}
	e, err := trained.Evaluate(m.Test)
	if err != nil {
		t.Fatal(err)
	}
	if e.Accuracy != *s.TestAccuracy || e.Loss != *s.TestLoss {
		t.Errorf("evaluated %.4f (loss %.4f), the run reported %.4f (loss %.4f)", e.Accuracy, e.Loss, *s.TestAccuracy, *s.TestLoss)
	}
	total, diagonal := 0, 0
	for truth, row := range e.Confusion {
		for pred, n := range row {
			total += n
			if truth == pred {
				diagonal += n
			}
		}
	}
	correct := int(math.Round(e.Accuracy * float64(m.Test.N)))
	if total != m.Test.N || diagonal != correct || len(e.Wrong) != m.Test.N-correct {
		t.Errorf("confusion matrix counts %d examples, %d correct and %d mistakes; accuracy says %d correct",
			total, diagonal, len(e.Wrong), correct)
	}
	probs, pred, err := trained.Predict(m.Test.Images[:3*784], 3)
	if err != nil || len(probs) != 3 || len(pred) != 3 || pred[0] != e.Predicted[0] {
		t.Errorf("Predict = %v, %v, %v", probs, pred, err)
	}
}

// crossRuns are the runs TestCheckpointLoadsOnEveryBackend trains: on
// each backend, in each precision.
func crossRuns(backends []string) (runs []struct{ backend, precision string }) {
	for _, b := range backends {
		for _, p := range config.Precisions {
			runs = append(runs, struct{ backend, precision string }{b, p})
		}
	}
	return runs
}
