package models

import (
	"fmt"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph code reads better dot-imported, as in GoMLX.
	"github.com/gomlx/gomlx/ml/model"
)

// OpDense is a dense layer: z = x·W + b, W [Inputs, Outputs] or stored
// [Outputs, Inputs] (Layer.Layout), then the layer's activation. It is the
// only layer op so far; a convolution would be another, with its own
// fields, shapes and size in this package, and code that walks layers
// (export) refuses an op it does not know instead of misreading it.
const OpDense = "dense"

// Layer describes one layer of a model, from its spec alone (no graph is
// built): what its graph creates (its variables, Params), what it costs
// (Size) and what it computes, so that code outside this package (export,
// the memory estimate, the checkpoint checks) walks a model's layers
// without knowing its kind.
type Layer struct {
	// Op is what the layer computes: OpDense.
	Op string
	// Name is the layer's name outside neurona (the names of exported
	// arrays): "hidden_0", ..., and "output" for the last.
	Name string
	// Scope is where its variables live, "/Scope/dense/weights" and
	// "/Scope/dense/biases": "hidden_i" and "output" for an MLP,
	// "perceptron" for the perceptron, as in every checkpoint written.
	Scope string
	// Inputs and Outputs are the dense product's sizes; a maxout layer
	// has width·pieces outputs.
	Inputs, Outputs int
	// Layout is how the weights are stored: LayoutInputsOutputs or
	// LayoutOutputsInputs (never "").
	Layout string
	// Activation is applied to the product: one of Activations, or ""
	// for none (the last layer, whose outputs are the scores).
	Activation string
	// MaxoutPieces is the linear pieces per unit of a maxout layer.
	MaxoutPieces int
}

// Units is how many values the layer passes on, after its activation.
func (l Layer) Units() int {
	if l.Activation == "maxout" && l.MaxoutPieces > 0 {
		return l.Outputs / l.MaxoutPieces
	}
	return l.Outputs
}

// Params returns the layer's trainable variables, weights then biases (the
// order its graph creates them in).
func (l Layer) Params() []Param {
	prefix := "/" + l.Scope + "/dense/"
	return []Param{{Name: prefix + "weights", Shape: l.weightShape()}, {Name: prefix + "biases", Shape: []int{l.Outputs}}}
}

// Size counts what the layer holds and computes for one example. Its
// Activations are the product's outputs and what the activation makes of
// them; for the last layer, the scores and the probabilities (or the loss
// terms) computed from them.
func (l Layer) Size() Size {
	in, out := float64(l.Inputs), float64(l.Outputs)
	return Size{Params: in*out + out, MultiplyAdds: in * out, Activations: out + float64(l.Units())}
}

func (l Layer) weightShape() []int {
	if l.Layout == LayoutOutputsInputs {
		return []int{l.Outputs, l.Inputs}
	}
	return []int{l.Inputs, l.Outputs}
}

func (l Layer) denseLayout() compute.DenseLayout {
	if l.Layout == LayoutOutputsInputs {
		return compute.DenseLayoutOutputsInput
	}
	return compute.DenseLayoutInputOutputs
}

// MasterDType is the dtype of every variable a model creates, whatever
// the dtype its graph computes in: with bfloat16 inputs (mixed precision)
// the float32 weights are the master copy the optimizer updates and the
// checkpoints hold, and each step works on a bfloat16 copy of them.
const MasterDType = dtypes.Float32

// build adds l to the graph on x [batch, Inputs] under scope and returns
// its output after the activation, [batch, Units], computed in x's dtype:
// float32, or bfloat16 (the weights converted from their MasterDType
// variables, whose gradients autodiff converts back). The variables are
// created as GoMLX's layers.DenseWithLayout creates them ("dense/weights"
// then "dense/biases" under scope, with scope's initializer), so that
// checkpoints and initial values are the same whichever builds them.
func (l Layer) build(scope *model.Scope, x *Node) *Node {
	if l.Op != OpDense {
		panic(fmt.Sprintf("models: layer %s: op %q has no graph", l.Name, l.Op))
	}
	scope = scope.In("dense")
	w := scope.VariableWithShape("weights", shapes.Make(MasterDType, l.weightShape()...))
	b := scope.VariableWithShape("biases", shapes.Make(MasterDType, l.Outputs))
	g := x.Graph()
	// ConvertDType is no operation at all when x is float32: a float32
	// graph is the one built before mixed precision existed.
	wx, bx := ConvertDType(w.NodeValue(g), x.DType()), ConvertDType(b.NodeValue(g), x.DType())
	z := denseProduct(x, wx, bx, l.denseLayout(), model.GetParamOr(scope, productDTypeParam, x.DType()))
	switch l.Activation {
	case "":
		return z
	case "maxout":
		// Maxout (Goodfellow et al. 2013): each unit is the max of its
		// pieces, linear functions of the input.
		z = Reshape(z, z.Shape().Dimensions[0], l.Units(), l.MaxoutPieces)
		return ReduceMax(z, -1)
	}
	return Activate(l.Activation, z)
}

// Activate applies one of Activations (except maxout, which needs its own
// layer) to x. These are the functions the MLP uses.
func Activate(name string, x *Node) *Node {
	switch name {
	case "relu":
		return relu(x)
	case "leaky_relu":
		// Slope 0.01 for x < 0, PyTorch's default.
		return Where(GreaterOrEqual(x, ZerosLike(x)), x, MulScalar(x, 0.01))
	case "sigmoid":
		return Sigmoid(x)
	case "tanh":
		return Tanh(x)
	case "linear":
		return x
	}
	panic(fmt.Sprintf("models: activation %q has no pointwise form", name))
}

// relu is Max(x, 0) with its gradient given to autodiff as one select:
// the incoming gradient where x >= 0, else 0, the values GoMLX's own
// gradient of Max gives (1 at x == 0, as GoMLX counts it). Why: GoMLX
// builds that gradient from a difference, two Signs, an addition, a
// complement and two products, each a pass over the layer's outputs that
// the Go backend runs element by element; on the default MLP's step they
// took about a tenth of the time (CPU profile of BenchmarkGroupStep).
func relu(x *Node) *Node {
	var dy *Node
	xIn := IdentityWithCustomGradient(x, func(_, _ *Node) *Node {
		mustHaveOutputGradient(dy)
		return Where(GreaterOrEqual(x, ZerosLike(x)), dy, ZerosLike(dy))
	})
	return IdentityWithCustomGradient(Max(xIn, ZerosLike(xIn)), func(_, v *Node) *Node {
		dy = v
		return v
	})
}
