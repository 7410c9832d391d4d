package train

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train/config"
)

// referencePerceptron is the averaged perceptron written directly in Go:
// one-vs-rest classifiers z = W·x + b from zero weights; per batch, every
// (example, class) with margin y·z <= 0 adds lr·y·x to W and lr·y to b,
// summed over the batch; after each batch the averages take the new
// weights, avg += (w - avg)/t at step t.
type referencePerceptron struct {
	inputs, classes  int
	lr               float32
	w, b, avgW, avgB []float32
	t                int
}

func newReference(inputs, classes int, lr float32) *referencePerceptron {
	return &referencePerceptron{inputs: inputs, classes: classes, lr: lr,
		w: make([]float32, classes*inputs), b: make([]float32, classes),
		avgW: make([]float32, classes*inputs), avgB: make([]float32, classes)}
}

func (r *referencePerceptron) step(pixels []uint8, labels []int32) {
	dw, db := make([]float32, len(r.w)), make([]float32, len(r.b))
	scale := float32(1.0 / 255) // as pixels() does in the graph
	for e, label := range labels {
		x := make([]float32, r.inputs)
		for j := range x {
			x[j] = float32(pixels[e*r.inputs+j]) * scale
		}
		for k := range r.classes {
			z := r.b[k]
			for j, xj := range x {
				z += r.w[k*r.inputs+j] * xj
			}
			y := float32(-1)
			if int(label) == k {
				y = 1
			}
			if y*z <= 0 {
				for j, xj := range x {
					dw[k*r.inputs+j] += y * xj
				}
				db[k] += y
			}
		}
	}
	r.t++
	for i := range r.w {
		r.w[i] += r.lr * dw[i]
		r.avgW[i] += (r.w[i] - r.avgW[i]) / float32(r.t)
	}
	for i := range r.b {
		r.b[i] += r.lr * db[i]
		r.avgB[i] += (r.b[i] - r.avgB[i]) / float32(r.t)
	}
}

// TestAveragedPerceptronMatchesAGoImplementation trains the averaged
// perceptron in the graph and the reference above on the same batches of a
// small problem, and compares the weights and their averages after every
// step.
func TestAveragedPerceptronMatchesAGoImplementation(t *testing.T) {
	const inputs, classes, examples = 6, 3, 24
	r := rand.New(rand.NewPCG(5, 6))
	pixels := make([]uint8, examples*inputs)
	for i := range pixels {
		pixels[i] = uint8(r.IntN(256))
	}
	labels := make([]int32, examples)
	for i := range labels {
		labels[i] = int32(r.IntN(classes))
	}
	engine, _ := newGoBackend(t)
	for _, tc := range []struct {
		batch, epochs int
		lr            float64
	}{
		{batch: 1, epochs: 2, lr: 1},   // the online rule: averaged over every example
		{batch: 4, epochs: 3, lr: 1},   // the batch rule
		{batch: 8, epochs: 3, lr: 0.5}, // another rate: it scales the weights only
	} {
		t.Run(fmt.Sprintf("batch %d, lr %g, %d epochs", tc.batch, tc.lr, tc.epochs), func(t *testing.T) {
			cfg := config.Defaults(models.Perceptron)
			cfg.Model.Inputs, cfg.Model.Classes = inputs, classes
			cfg.BatchSize, cfg.StepsPerCall, cfg.LR, cfg.Average = tc.batch, 1, tc.lr, true
			if err := cfg.Validate(); err != nil {
				t.Fatal(err)
			}
			m, err := models.New(cfg.Model)
			if err != nil {
				t.Fatal(err)
			}
			p, err := newProgram(engine, cfg, m, 1000)
			if err != nil {
				t.Fatal(err)
			}
			ref := newReference(inputs, classes, float32(tc.lr))
			for range tc.epochs {
				for start := 0; start < examples; start += tc.batch {
					px, lb := pixels[start*inputs:(start+tc.batch)*inputs], labels[start:start+tc.batch]
					x := tensors.FromFlatDataAndDimensions(append([]uint8(nil), px...), tc.batch, inputs)
					y := tensors.FromFlatDataAndDimensions(append([]int32(nil), lb...), tc.batch)
					if _, _, err := run(p.trainExec, x, y); err != nil {
						t.Fatal(err)
					}
					ref.step(px, lb)
					values := variableValues(p)
					for _, c := range []struct {
						path string
						want []float32
					}{
						{"/perceptron/dense/weights", ref.w}, {"/perceptron/dense/biases", ref.b},
						{"/averaged/perceptron/dense/weights", ref.avgW}, {"/averaged/perceptron/dense/biases", ref.avgB},
					} {
						closeTo(t, fmt.Sprintf("step %d: %s", ref.t, c.path), values[c.path], c.want)
					}
				}
			}
			// Evaluation and prediction use the averages, not the weights.
			x := tensors.FromFlatDataAndDimensions(append([]uint8(nil), pixels...), examples, inputs)
			y := tensors.FromFlatDataAndDimensions(append([]int32(nil), labels...), examples)
			_, correct, err := run(p.evalExec, x, y)
			if err != nil {
				t.Fatal(err)
			}
			trained, err := p.Trained()
			if err != nil {
				t.Fatal(err)
			}
			_, pred, err := trained.Predict(pixels, examples)
			if err != nil {
				t.Fatal(err)
			}
			want, wantCorrect := ref.predict(pixels, labels)
			for i := range want {
				if pred[i] != want[i] {
					t.Fatalf("example %d predicted %d, the averaged weights predict %d", i, pred[i], want[i])
				}
			}
			if int(correct) != wantCorrect {
				t.Errorf("evaluation counts %g correct, the averaged weights %d", correct, wantCorrect)
			}
		})
	}
}

// predict returns the class each example's averaged scores pick and how
// many are right.
func (r *referencePerceptron) predict(pixels []uint8, labels []int32) (pred []int, correct int) {
	for e, label := range labels {
		best, bestZ := 0, float32(math.Inf(-1))
		for k := range r.classes {
			z := r.avgB[k]
			for j := range r.inputs {
				z += r.avgW[k*r.inputs+j] * float32(pixels[e*r.inputs+j]) / 255
			}
			if z > bestZ {
				best, bestZ = k, z
			}
		}
		pred = append(pred, best)
		if best == int(label) {
			correct++
		}
	}
	return pred, correct
}

// closeTo fails t where got and want differ by more than float32 rounding
// of sums this size allows.
func closeTo(t *testing.T, what string, got, want []float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range want {
		if d := math.Abs(float64(got[i] - want[i])); d > 1e-4*(1+math.Abs(float64(want[i]))) {
			t.Fatalf("%s[%d] = %g, the Go implementation's %g", what, i, got[i], want[i])
		}
	}
}
