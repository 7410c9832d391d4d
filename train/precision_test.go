package train

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train/config"
)

// TestBF16RunTrainsEvaluatesAndResumes trains a small MLP in bfloat16 on
// the Go backend: the run says once that bfloat16 is no faster there, records
// its precision, learns, and saves float32 weights; the checkpoint loads
// and evaluates to the test accuracy the run reported, and resumes in
// bfloat16 and in float32 (the weights and optimizer state are float32 in
// both).
func TestBF16RunTrainsEvaluatesAndResumes(t *testing.T) {
	m := smallMNIST(t, 600, 200)
	cfg := config.Defaults(models.MLP)
	cfg.Model.Hidden, cfg.Epochs, cfg.BatchSize, cfg.Precision = []int{16}, 1, 50, config.PrecisionBF16
	var log eventLog
	s, _, _, err := runWith(t, cfg, m, Options{Observers: []Observer{log.observe}})
	if err != nil {
		t.Fatalf("train in bf16: %v\n%s", err, log.String())
	}
	if n := countOf(log.kinds(), "PrecisionNotFaster"); n != 1 {
		t.Errorf("that bf16 is no faster on the Go backend was said %d times, want once:\n%s", n, log.String())
	}
	if s.Hyperparameters.Precision != config.PrecisionBF16 {
		t.Errorf("the summary records precision %q", s.Hyperparameters.Precision)
	}
	// Ten steps on 540 images learn little (0.2-0.4 in either precision,
	// depending on the data), but a product or a gradient broken by the
	// conversions stays at chance, 0.1; how close bf16 comes to float32 on
	// the whole of MNIST is measured in docs/performance.md.
	if acc := *s.TestAccuracy; !(acc > 0.2) {
		t.Errorf("test accuracy %g after an epoch in bf16, want > 0.2 (twice chance)", acc)
	}
	c, _, err := ResolveCheckpoint(s.RunDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range c.Variables {
		if v.DType != "Float32" && v.Trainable {
			t.Errorf("the checkpoint holds %s as %s, want Float32", v.Path, v.DType)
		}
	}
	engine, name := newGoBackend(t)
	trained, err := LoadTrained(engine, c)
	if err != nil {
		t.Fatal(err)
	}
	e, err := trained.Evaluate(m.Test)
	if err != nil {
		t.Fatal(err)
	}
	if e.Accuracy != *s.TestAccuracy {
		t.Errorf("the loaded bf16 checkpoint's test accuracy is %g, the run's %g", e.Accuracy, *s.TestAccuracy)
	}
	for _, precision := range config.Precisions {
		t.Run("resumes in "+precision, func(t *testing.T) {
			// Each resumes its own copy of the run folder.
			dir := filepath.Join(t.TempDir(), "run")
			if err := os.CopyFS(dir, os.DirFS(s.RunDir)); err != nil {
				t.Fatal(err)
			}
			c, _, err := ResolveCheckpoint(dir)
			if err != nil {
				t.Fatal(err)
			}
			more := cfg
			more.RunDir, more.Backend, more.Epochs, more.Precision = dir, name, 2, precision
			resumed, _, err := execute(context.Background(), engine, more, m, Options{Resume: c})
			if err != nil {
				t.Fatalf("resume: %v", err)
			}
			if resumed.Epochs != 2 || resumed.Hyperparameters.Precision != precision || math.IsNaN(*resumed.TestAccuracy) {
				t.Errorf("resumed to %d epochs in %q, test accuracy %g; want 2 epochs in %q", resumed.Epochs,
					resumed.Hyperparameters.Precision, *resumed.TestAccuracy, precision)
			}
		})
	}
}

// TestOnlyBF16OnTheGoBackendIsSaidToBeNoFaster: bfloat16 on the Go backend
// buys no speed, and that is said; float32 (the default, and what a
// configuration saved before precision existed computes in) is never
// flagged, nor bfloat16 on a GPU.
func TestOnlyBF16OnTheGoBackendIsSaidToBeNoFaster(t *testing.T) {
	for _, tc := range []struct {
		name, precision string
	}{{"f32", config.PrecisionF32}, {"a configuration saved before precision existed", ""}} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := config.Defaults(models.MLP)
			cfg.Precision = tc.precision
			if slow, ok := PrecisionNotFasterOn(cfg, "go"); ok {
				t.Errorf("%q on the Go backend is said to be no faster than f32: %+v", tc.precision, slow)
			}
			if computeDType(cfg).String() != "Float32" {
				t.Errorf("%q computes in %s", tc.precision, computeDType(cfg))
			}
		})
	}
	cfg := config.Defaults(models.MLP)
	cfg.Precision = config.PrecisionBF16
	if _, ok := PrecisionNotFasterOn(cfg, "xla:cuda"); ok {
		t.Error("bf16 on xla:cuda is said to be no faster than f32")
	}
}

// countOf counts s in list.
func countOf(list []string, s string) int {
	n := 0
	for _, x := range list {
		if x == s {
			n++
		}
	}
	return n
}
