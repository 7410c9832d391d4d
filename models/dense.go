package models

import (
	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph code reads better dot-imported, as in GoMLX.
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/nn"
)

// denseProduct is GoMLX's dense layer, nn.Dense(x, w, b, layout): x·wᵀ + b
// for w [outputs, inputs], x·w + b for w [inputs, outputs]. Its forward
// pass is nn.Dense's; GoMLX's autodiff computes every gradient of a model
// (activations, losses, biases, the perceptron's mistake mask) except the
// two of this product, with respect to x and w, which are given to it here
// as custom gradients, each product written in the layout it is used in.
//
// Why: GoMLX v0.28.2's autodiff writes the product's gradient with respect
// to w as a DotGeneral that contracts the batch axis of both operands (a
// layout the Go backend's matrix kernels do not take, so it transposes
// both operands first, and for the perceptron's [10, 784] weights runs a
// dot product of length batch per weight) and ends each of the two
// gradients with a Transpose, an identity one included, which the Go
// backend copies element by element. Measured interleaved on the 2-core Go
// backend (docs/performance.md, "Gradients"): the perceptron's step at
// batch 32 is 4.4x faster with these two products than with autodiff's,
// the default MLP's at batch 512 about 1.1x. On xla:cuda the two ran at
// the same speed.
//
// How: w and x enter nn.Dense through GoMLX's IdentityWithCustomGradient,
// whose gradient functions read dz, the gradient with respect to the
// output, which the identity around the output records. Reverse mode
// reaches a node only after every node that uses it, so dz is known when
// they run. The gradients autodiff builds for the product itself are
// then used by nothing, and the backends drop them when compiling.
func denseProduct(x, w, b *Node, layout compute.DenseLayout, mul dtypes.DType) *Node {
	var dz *Node
	outputsFirst := layout == compute.DenseLayoutOutputsInput
	xIn := IdentityWithCustomGradient(x, func(_, _ *Node) *Node {
		mustHaveOutputGradient(dz)
		if outputsFirst {
			return dotIn(mul, dz, []int{1}, w, []int{0}) // dz·w, [batch, inputs]
		}
		return dotIn(mul, dz, []int{1}, w, []int{1}) // dz·wᵀ
	})
	wIn := IdentityWithCustomGradient(w, func(_, _ *Node) *Node {
		mustHaveOutputGradient(dz)
		if outputsFirst {
			// dzᵀ·x, [outputs, inputs]. The Go backend multiplies [M, K]
			// by [K, N] or [N, K] with K the left operand's last axis; K is
			// the batch here, so dz, the smaller operand, is transposed to
			// [outputs, batch] and x taken as it is.
			return dotIn(mul, TransposeAllAxes(dz, 1, 0), []int{1}, x, []int{0})
		}
		// xᵀ·dz, [inputs, outputs]: the backend transposes both operands
		// to [features, batch] (measured as fast as transposing x here).
		return dotIn(mul, x, []int{0}, dz, []int{0})
	})
	return IdentityWithCustomGradient(dense(xIn, wIn, b, layout, mul), func(_, v *Node) *Node {
		dz = v
		return v
	})
}

// dense is nn.Dense(x, w, b, layout) in float32. In another dtype
// (bfloat16) it writes the product and the sum out itself: GoMLX's Go
// backend (compute v0.1.2) accepts its fused dense op for bfloat16 when the
// graph is built and then fails to run it ("FusedDense: dtype BFloat16: op
// not implemented"), while nn.Dense falls back to the written-out form
// only when building fails. The product is computed in mul (dotIn).
func dense(x, w, b *Node, layout compute.DenseLayout, mul dtypes.DType) *Node {
	if x.DType() == dtypes.Float32 && mul == dtypes.Float32 {
		return nn.Dense(x, w, b, layout)
	}
	var z *Node
	if layout == compute.DenseLayoutOutputsInput {
		z = dotIn(mul, x, []int{1}, w, []int{1}) // x·wᵀ
	} else {
		z = dotIn(mul, x, []int{1}, w, []int{0}) // x·w
	}
	return Add(z, ExpandLeftToRank(b, z.Rank()))
}

// dotIn is DotGeneral(lhs, lhsContracting, rhs, rhsContracting), no batch
// axes, multiplied in dtype: when it is not the operands' dtype, they are
// converted to it and the product back to theirs (see MultiplyIn).
func dotIn(dtype dtypes.DType, lhs *Node, lhsContracting []int, rhs *Node, rhsContracting []int) *Node {
	if lhs.DType() == dtype {
		return DotGeneral(lhs, lhsContracting, nil, rhs, rhsContracting, nil)
	}
	product := DotGeneral(ConvertDType(lhs, dtype), lhsContracting, nil, ConvertDType(rhs, dtype), rhsContracting, nil)
	return ConvertDType(product, lhs.DType())
}

// productDTypeParam is the scope parameter MultiplyIn sets.
const productDTypeParam = "neurona/models.product_dtype"

// MultiplyIn makes the dense layers of the models built under scope (and
// its sub-scopes) compute their matrix products, forward and backward, in
// dtype: their bfloat16 operands converted to it, and each product rounded
// back to bfloat16. For GoMLX's Go backend: its own bfloat16 product
// (compute v0.1.2) computes the same, bfloat16 values multiplied and summed
// in float32 and rounded to bfloat16, but about 40 times slower than its
// float32 product (measured on the 2-core machine, docs/performance.md); a
// backend with bfloat16 arithmetic (a GPU's tensor cores) should multiply
// in bfloat16 itself. It changes nothing for a float32 model.
func MultiplyIn(scope *model.Scope, dtype dtypes.DType) { scope.SetParam(productDTypeParam, dtype) }

// mustHaveOutputGradient panics (GoMLX's convention while building a
// graph) if reverse mode reached a dense layer's inputs before its output,
// which GoMLX's autodiff never does.
func mustHaveOutputGradient(dz *Node) {
	if dz == nil {
		panic("models: a dense layer's input gradient was asked before its output's")
	}
}

// layout is the MLP's weight layout for GoMLX's dense layers.
func (m *mlp) layout() compute.DenseLayout {
	if m.spec.Layout == LayoutOutputsInputs {
		return compute.DenseLayoutOutputsInput
	}
	return compute.DenseLayoutInputOutputs
}
