package models

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/gobackend"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/nn"
	"github.com/janpfeifer/must"
)

// testBackend is the pure-Go backend, shared by this file's tests.
var testBackend = sync.OnceValue(func() compute.Backend { return must.M1(gobackend.New("")) })

// TestDenseProductGradientsAreAutodiffs checks denseProduct's custom
// gradients against GoMLX's own autodiff of nn.Dense: two stacked layers
// (x -> dense -> tanh -> dense) under an objective that weighs every
// output differently, in both weight layouts, with the input also used
// outside the product (its gradient must add up) and with one weight
// matrix used by two products. Every gradient, of x and of each weight
// and bias, must match within float32 rounding.
func TestDenseProductGradientsAreAutodiffs(t *testing.T) {
	const batch, inputs, hidden, outputs = 6, 12, 8, 5
	type product func(x, w, b *graph.Node, layout compute.DenseLayout) *graph.Node
	plain := func(x, w, b *graph.Node, layout compute.DenseLayout) *graph.Node { return nn.Dense(x, w, b, layout) }
	tests := []struct {
		name string
		// objective builds the scalar to differentiate from the inputs.
		objective func(dense product, layout compute.DenseLayout, x, w1, b1, w2, b2, r *graph.Node) *graph.Node
	}{
		{"two stacked layers", func(dense product, layout compute.DenseLayout, x, w1, b1, w2, b2, r *graph.Node) *graph.Node {
			h := graph.Tanh(dense(x, w1, b1, layout))
			return graph.ReduceAllSum(graph.Mul(dense(h, w2, b2, layout), r))
		}},
		{"the input also used outside the product", func(dense product, layout compute.DenseLayout, x, w1, b1, w2, b2, r *graph.Node) *graph.Node {
			h := graph.Tanh(dense(x, w1, b1, layout))
			out := graph.ReduceAllSum(graph.Mul(dense(h, w2, b2, layout), r))
			return graph.Add(out, graph.ReduceAllSum(graph.Square(x)))
		}},
		{"one weight matrix used by two products", func(dense product, layout compute.DenseLayout, x, w1, b1, w2, b2, r *graph.Node) *graph.Node {
			h := graph.Tanh(dense(x, w1, b1, layout))
			again := graph.Sigmoid(dense(graph.Neg(x), w1, b1, layout))
			return graph.ReduceAllSum(graph.Mul(dense(graph.Add(h, again), w2, b2, layout), r))
		}},
	}
	layouts := map[string]compute.DenseLayout{"[outputs, inputs]": compute.DenseLayoutOutputsInput, "[inputs, outputs]": compute.DenseLayoutInputOutputs}
	// Multiplying in float64 converts every product's operands and result
	// (MultiplyIn, as bfloat16 models are multiplied on the Go backend):
	// the gradients must still be autodiff's.
	for _, tt := range tests {
		for layoutName, layout := range layouts {
			for _, mul := range []dtypes.DType{dtypes.Float32, dtypes.Float64} {
				t.Run(fmt.Sprintf("%s with weights %s, multiplied in %s", tt.name, layoutName, mul), func(t *testing.T) {
					w1, w2 := []int{inputs, hidden}, []int{hidden, outputs}
					if layout == compute.DenseLayoutOutputsInput {
						w1, w2 = []int{hidden, inputs}, []int{outputs, hidden}
					}
					args := []any{randomValues(1, batch, inputs), randomValues(2, w1...), randomValues(3, hidden),
						randomValues(4, w2...), randomValues(5, outputs), randomValues(6, batch, outputs)}
					grads := func(dense product) []*tensors.Tensor {
						return graph.MustExecOnceN(testBackend(), func(in []*graph.Node) []*graph.Node {
							objective := tt.objective(dense, layout, in[0], in[1], in[2], in[3], in[4], in[5])
							return graph.Gradient(objective, in[:5]...)
						}, args...)
					}
					custom := func(x, w, b *graph.Node, layout compute.DenseLayout) *graph.Node {
						return denseProduct(x, w, b, layout, mul)
					}
					got, want := grads(custom), grads(plain)
					for i, name := range []string{"x", "w1", "b1", "w2", "b2"} {
						if d := maxDifference(got[i], want[i]); d != "" {
							t.Errorf("gradient of %s: %s", name, d)
						}
					}
				})
			}
		}
	}
}

// maxDifference says how got differs from want beyond float32 rounding
// (relative to want's largest magnitude), or "" if it does not.
func maxDifference(got, want *tensors.Tensor) string {
	if !got.Shape().Equal(want.Shape()) {
		return fmt.Sprintf("shape %s, autodiff's %s", got.Shape(), want.Shape())
	}
	g, w := tensors.MustCopyFlatData[float32](got), tensors.MustCopyFlatData[float32](want)
	var largest, worst float64
	for i := range w {
		largest = max(largest, math.Abs(float64(w[i])))
		worst = max(worst, math.Abs(float64(g[i])-float64(w[i])))
	}
	if worst > 1e-5*(1+largest) {
		return fmt.Sprintf("differs from autodiff's by up to %g (largest magnitude %g)", worst, largest)
	}
	return ""
}

// randomValues returns a float32 tensor of the given dimensions, uniform
// in [-1, 1).
func randomValues(seed uint64, dims ...int) *tensors.Tensor {
	r := rand.New(rand.NewPCG(seed, 7))
	size := 1
	for _, d := range dims {
		size *= d
	}
	v := make([]float32, size)
	for i := range v {
		v[i] = 2*r.Float32() - 1
	}
	return tensors.FromFlatDataAndDimensions(v, dims...)
}
