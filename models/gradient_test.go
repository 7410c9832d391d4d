package models_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/janpfeifer/must"
	"github.com/neurona/neurona/models"
)

// TestPerceptronGradientIsTheRule checks the gradient GoMLX's autodiff
// takes of the perceptron's objective, from weights where some examples are
// right and some wrong, against the perceptron rule in closed form: for
// scale·Loss, ∂/∂W_c = -scale/batch · Σ_b y_bc·x_b and ∂/∂b_c =
// -scale/batch · Σ_b y_bc over the mistakes (y·z <= 0) only, with the
// mistakes found on the host in float64. Scale batch is the summed rule
// train uses (models.SumsOverBatch); 1 the mean.
func TestPerceptronGradientIsTheRule(t *testing.T) {
	const batch, inputs, classes = 7, 784, 10
	r := rand.New(rand.NewPCG(11, 12))
	random := func(n int, scale float32) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = (2*r.Float32() - 1) * scale
		}
		return v
	}
	w, b := random(classes*inputs, 0.05), random(classes, 0.5)
	x := random(batch*inputs, 1)
	for i := range x {
		x[i] = (x[i] + 1) / 2 // pixels in [0, 1]
	}
	labels := make([]int32, batch)
	for i := range labels {
		labels[i] = int32((3 * i) % classes)
	}
	// The rule on the host: which (example, class) pairs are mistakes.
	mistake := make([]bool, batch*classes)
	mistakes := 0
	for k := range batch {
		for c := range classes {
			z := float64(b[c])
			for i := range inputs {
				z += float64(w[c*inputs+i]) * float64(x[k*inputs+i])
			}
			y := sign(labels[k] == int32(c))
			if math.Abs(z) < 1e-3 {
				t.Fatalf("test data: example %d class %d has margin %g, too close to 0 to call", k, c, y*z)
			}
			mistake[k*classes+c] = y*z <= 0
			if mistake[k*classes+c] {
				mistakes++
			}
		}
	}
	if mistakes == 0 || mistakes == batch*classes {
		t.Fatalf("test data: %d mistakes of %d, want some right and some wrong", mistakes, batch*classes)
	}
	for _, tc := range []struct {
		name  string
		scale float64
	}{{"summed over the batch, as train trains it", batch}, {"averaged over the batch", 1}} {
		t.Run(tc.name, func(t *testing.T) { checkPerceptronGradient(t, tc.scale, w, b, x, labels, mistake) })
	}
}

// checkPerceptronGradient compares autodiff's gradient of scale·Loss for
// the perceptron with weights w and biases b on x and labels against the
// rule over the given mistakes (see TestPerceptronGradientIsTheRule).
func checkPerceptronGradient(t *testing.T, scale float64, w, b, x []float32, labels []int32, mistake []bool) {
	const inputs, classes = 784, 10
	batch := len(labels)
	m := must.M1(models.New(models.Spec{Name: models.Perceptron}))
	store := model.NewStore()
	wVar := must.M1(store.CreateVariable("/perceptron/dense/weights", tensors.FromFlatDataAndDimensions(w, classes, inputs)))
	bVar := must.M1(store.CreateVariable("/perceptron/dense/biases", tensors.FromFlatDataAndDimensions(b, classes)))
	exec := must.M1(model.NewExec(goBackend(), store, func(scope *model.Scope, pixels, y *graph.Node) []*graph.Node {
		g := pixels.Graph()
		objective := graph.MulScalar(m.Loss(m.Scores(scope, pixels), y), scale)
		return graph.Gradient(objective, wVar.NodeValue(g), bVar.NodeValue(g))
	}))
	out := must.M1(exec.Call(tensors.FromFlatDataAndDimensions(x, batch, inputs), tensors.FromFlatDataAndDimensions(labels, batch)))
	exec.Finalize()
	gotW, gotB := tensors.MustCopyFlatData[float32](out[0]), tensors.MustCopyFlatData[float32](out[1])
	for c := range classes {
		var wantB float64
		wantW := make([]float64, inputs)
		for k := range batch {
			if !mistake[k*classes+c] {
				continue
			}
			y := sign(labels[k] == int32(c))
			wantB -= scale / float64(batch) * y
			for i := range inputs {
				wantW[i] -= scale / float64(batch) * y * float64(x[k*inputs+i])
			}
		}
		if math.Abs(float64(gotB[c])-wantB) > 1e-5*(1+math.Abs(wantB)) {
			t.Errorf("gradient of bias %d is %g, the rule's %g", c, gotB[c], wantB)
		}
		for i := range inputs {
			if got := float64(gotW[c*inputs+i]); math.Abs(got-wantW[i]) > 1e-5*(1+math.Abs(wantW[i])) {
				t.Fatalf("gradient of W[%d][%d] is %g, the rule's %g", c, i, got, wantW[i])
			}
		}
	}
}

// sign is +1 for true, -1 for false: y of the one-vs-rest classifiers.
func sign(b bool) float64 {
	if b {
		return 1
	}
	return -1
}
