package viz

import (
	"math"
	"strings"
	"testing"

	"github.com/neurona/neurona/train/backend"
)

func TestActivationCurves(t *testing.T) {
	goBackend, _, err := backend.New(backend.Go)
	if err != nil {
		t.Fatal(err)
	}
	defer goBackend.Finalize()
	// Points -2, -1, 0, 1, 2.
	curves, err := ActivationCurves(goBackend, PointwiseActivations, -2, 2, 5)
	if err != nil {
		t.Fatal(err)
	}
	sig := func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
	tests := []struct {
		name  string
		f, df func(x float64) float64
	}{
		{"relu", func(x float64) float64 { return max(x, 0) }, func(x float64) float64 { return map[bool]float64{true: 1, false: 0}[x > 0] }},
		{"leaky_relu", func(x float64) float64 { return map[bool]float64{true: x, false: 0.01 * x}[x >= 0] },
			func(x float64) float64 { return map[bool]float64{true: 1, false: 0.01}[x >= 0] }},
		{"sigmoid", sig, func(x float64) float64 { return sig(x) * (1 - sig(x)) }},
		{"tanh", math.Tanh, func(x float64) float64 { return 1 - math.Tanh(x)*math.Tanh(x) }},
		{"linear", func(x float64) float64 { return x }, func(float64) float64 { return 1 }},
	}
	if len(curves) != len(tests) {
		t.Fatalf("%d curves, want %d", len(curves), len(tests))
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := curves[i]
			if c.Name != tt.name || len(c.X) != 5 || c.X[0] != -2 || c.X[4] != 2 {
				t.Fatalf("curve %q at %v", c.Name, c.X)
			}
			for j, x := range c.X {
				if x == 0 && (tt.name == "relu") {
					continue // the derivative at the kink is a convention
				}
				if math.Abs(c.Y[j]-tt.f(x)) > 1e-6 || math.Abs(c.DY[j]-tt.df(x)) > 1e-6 {
					t.Errorf("at x=%g: f %g, f' %g; want %g, %g", x, c.Y[j], c.DY[j], tt.f(x), tt.df(x))
				}
			}
		})
	}
	t.Run("a picture of them", func(t *testing.T) {
		img, err := Activations(curves)
		if err != nil {
			t.Fatal(err)
		}
		if got := decode(t, mustPNG(t, img)).Bounds().Size(); got.X != 1500 || got.Y != 2*470 {
			t.Errorf("size %v, want 1500x940 (two rows of three panels)", got)
		}
	})
	t.Run("maxout has no pointwise form: an error, not a panic", func(t *testing.T) {
		_, err := ActivationCurves(goBackend, []string{"maxout"}, -1, 1, 3)
		if err == nil || !strings.Contains(err.Error(), "maxout") {
			t.Errorf("error %v, want one naming maxout", err)
		}
	})
	t.Run("an empty range is an error", func(t *testing.T) {
		if _, err := ActivationCurves(goBackend, []string{"relu"}, 1, 1, 3); err == nil {
			t.Error("no error")
		}
	})
}
