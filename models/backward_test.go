package models_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/janpfeifer/must"
	"github.com/neurona/neurona/models"
)

// TestBackwardMatchesAutodiff checks, for the perceptron and every MLP
// with a hand-written backward pass (each activation but maxout with each
// loss), that Backward gives the scores and loss of Scores and Loss and, for
// every trainable variable, the gradient GoMLX's autodiff gives for
// scale·loss, within float32 rounding.
func TestBackwardMatchesAutodiff(t *testing.T) {
	type variant struct {
		name  string
		spec  models.Spec
		scale float64
	}
	variants := []variant{
		{"the perceptron, summed over the batch", models.Spec{Name: models.Perceptron}, 6},
		{"the perceptron, averaged", models.Spec{Name: models.Perceptron}, 1},
		{"an mlp without hidden layers", models.Spec{Name: models.MLP, Hidden: []int{}}, 1},
	}
	for _, act := range models.Activations {
		for _, loss := range models.Losses {
			variants = append(variants, variant{fmt.Sprintf("mlp with %s and %s", act, loss),
				models.Spec{Name: models.MLP, Hidden: []int{16, 8}, Activation: act, Loss: loss}, 1})
		}
	}
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			m := must.M1(models.New(v.spec))
			if !models.HasBackward(m) {
				if v.spec.Activation != "maxout" {
					t.Fatalf("%s has no hand-written backward pass", m.Spec())
				}
				t.Skip("maxout trains through autodiff")
			}
			store := model.NewStore()
			must.M(store.SetRNGStateFromSeed(3))
			if v.spec.Name == models.Perceptron {
				// Zero weights would make every margin a mistake: start from
				// random ones, so that some examples are right.
				must.M1(store.CreateVariable("/perceptron/dense/weights", randomTensor(7, 10, 784)))
				must.M1(store.CreateVariable("/perceptron/dense/biases", randomTensor(8, 10)))
			}
			var paths []string
			exec := must.M1(model.NewExec(goBackend(), store, func(scope *model.Scope, x, y *graph.Node) []*graph.Node {
				scores, loss, grads := models.Backward(m, scope, x, y, v.scale)
				auto := store.RootScope()
				autoScores := m.Scores(auto, x)
				autoLoss := m.Loss(autoScores, y)
				out := []*graph.Node{scores, autoScores, loss, autoLoss}
				var vars []*graph.Node
				paths = nil
				for _, vg := range grads {
					paths = append(paths, vg.Var.Path())
					vars = append(vars, vg.Var.NodeValue(x.Graph()))
					out = append(out, vg.Grad)
				}
				return append(out, graph.Gradient(graph.MulScalar(autoLoss, v.scale), vars...)...)
			}))
			defer exec.Finalize()
			x, y := randomBatch(6)
			out := must.M1(exec.Call(x, y))
			compare(t, "scores", out[0], out[1])
			compare(t, "loss", out[2], out[3])
			n := len(paths)
			if want := 2 * (len(v.spec.Hidden) + 1); n != want && v.spec.Name == models.MLP {
				t.Errorf("%d gradients, want %d (weights and biases of each layer)", n, want)
			}
			for i, path := range paths {
				compare(t, "gradient of "+path, out[4+i], out[4+n+i])
			}
		})
	}
}

// compare fails t when got and want differ by more than float32 rounding
// allows, relative to want's largest magnitude.
func compare(t *testing.T, what string, got, want *tensors.Tensor) {
	t.Helper()
	if !got.Shape().Equal(want.Shape()) {
		t.Errorf("%s: shape %s, autodiff's %s", what, got.Shape(), want.Shape())
		return
	}
	g, w := tensors.MustCopyFlatData[float32](got), tensors.MustCopyFlatData[float32](want)
	var largest, worst float64
	for i := range w {
		largest = max(largest, math.Abs(float64(w[i])))
		worst = max(worst, math.Abs(float64(g[i])-float64(w[i])))
	}
	if worst > 1e-5*(1+largest) {
		t.Errorf("%s differs from autodiff's by up to %g (largest magnitude %g)", what, worst, largest)
	}
}

// randomBatch returns n examples of random pixels in (0, 1] (never exactly
// 0, so that no ReLU input is exactly 0, where derivatives are a choice)
// and labels covering several classes.
func randomBatch(n int) (x, y *tensors.Tensor) {
	r := rand.New(rand.NewPCG(1, 2))
	pixels := make([]float32, n*784)
	for i := range pixels {
		pixels[i] = float32(1+r.IntN(255)) / 255
	}
	labels := make([]int32, n)
	for i := range labels {
		labels[i] = int32((i * 3) % 10)
	}
	return tensors.FromFlatDataAndDimensions(pixels, n, 784), tensors.FromValue(labels)
}

// randomTensor returns a float32 tensor of the given dimensions, uniform
// in [-0.05, 0.05).
func randomTensor(seed uint64, dims ...int) *tensors.Tensor {
	r := rand.New(rand.NewPCG(seed, 0))
	size := 1
	for _, d := range dims {
		size *= d
	}
	v := make([]float32, size)
	for i := range v {
		v[i] = (r.Float32() - 0.5) / 10
	}
	return tensors.FromFlatDataAndDimensions(v, dims...)
}
