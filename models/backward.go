package models

import (
	"fmt"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph code reads better dot-imported, as in GoMLX.
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/nn"
)

// VarGradient is the gradient of a training objective with respect to one
// trainable variable.
type VarGradient struct {
	Var  *model.Variable
	Grad *Node
}

// HasBackward tells whether Backward can build m's gradients by hand: the
// perceptron and every MLP but maxout ones, which train through GoMLX's
// autodiff.
func HasBackward(m Model) bool {
	_, ok := m.(backwarder)
	if mlp, isMLP := m.(*mlp); isMLP {
		return mlp.spec.Activation != "maxout"
	}
	return ok
}

// backwarder is a model with a hand-written backward pass.
type backwarder interface {
	backward(scope *model.Scope, x, labels *Node, scale float64) (scores, loss *Node, grads []VarGradient)
}

// Backward builds m's forward pass on x [batch, Inputs] (pixels in [0,1])
// and labels [batch], as Scores and Loss do (the same variables, the same
// scores and loss), and by hand the gradient of scale·loss with respect to
// each trainable variable: the gradients autodiff gives (the tests compare
// them), written as the products they are.
//
// Why by hand: GoMLX v0.28.2's autodiff writes the gradient of a dense
// layer's weights as (vᵀ·x)ᵀ, a DotGeneral and then a Transpose, and ends
// every DotGeneral gradient with a Transpose, even an identity one; GoMLX's
// Go backend copies each of them element by element through a generic
// iterator, a large share of a small step (docs/performance.md, "Where the
// Go backend's time goes", has the numbers). Here each product comes
// out in the layout it is used in, and ReLU's derivative is one comparison
// instead of seven element-wise operations.
//
// It panics (GoMLX's convention while building a graph) for a model without
// one (HasBackward false).
func Backward(m Model, scope *model.Scope, x, labels *Node, scale float64) (scores, loss *Node, grads []VarGradient) {
	b, ok := m.(backwarder)
	if !ok || !HasBackward(m) {
		panic(fmt.Sprintf("models: %s has no hand-written backward pass", m.Spec()))
	}
	return b.backward(scope, x, labels, scale)
}

// denseLayer is one dense layer as built in a graph: its variables, its
// input, its output before the activation (z) and after it (h).
type denseLayer struct {
	w, b     *model.Variable
	in, z, h *Node
}

// dense adds a dense layer of width outputs with biases, creating its
// variables exactly as GoMLX's layers.DenseWithLayout does ("dense/weights"
// and "dense/biases" under scope, in that order, with scope's initializer),
// so checkpoints and initial values are the same whichever builds it.
func dense(scope *model.Scope, x *Node, layout compute.DenseLayout, outputs int) denseLayer {
	scope = scope.In("dense")
	inputs := x.Shape().Dimensions[x.Rank()-1]
	dims := []int{inputs, outputs}
	if layout == compute.DenseLayoutOutputsInput {
		dims = []int{outputs, inputs}
	}
	w := scope.VariableWithShape("weights", shapes.Make(x.DType(), dims...))
	b := scope.VariableWithShape("biases", shapes.Make(x.DType(), outputs))
	g := x.Graph()
	var z *Node
	if ExperimentCustomProduct {
		z = denseProduct(x, w.NodeValue(g), b.NodeValue(g), layout)
	} else {
		z = nn.Dense(x, w.NodeValue(g), b.NodeValue(g), layout)
	}
	return denseLayer{w: w, b: b, in: x, z: z, h: z}
}

// gradients returns the gradients of layer l's weights and biases given dz,
// the objective's gradient with respect to l.z [batch, outputs]; both
// products contract the batch axis, so they come out in the variables'
// layouts with no transpose.
func (l denseLayer) gradients(dz *Node, layout compute.DenseLayout) []VarGradient {
	var dw *Node
	if layout == compute.DenseLayoutOutputsInput {
		// dzᵀ·x, [outputs, inputs]. The Go backend multiplies [M, K] by
		// [K, N] or [N, K] with K the last axis of the left operand; here
		// K is the batch, so dz is transposed to [outputs, batch] (the
		// smaller operand; the backend would transpose both) and x is
		// taken as it is, [K, N].
		dw = DotGeneral(TransposeAllAxes(dz, 1, 0), []int{1}, nil, l.in, []int{0}, nil)
	} else {
		// xᵀ·dz, [inputs, outputs]: the backend transposes both x and dz
		// to [features, batch] first (measured as fast as transposing x
		// here).
		dw = DotGeneral(l.in, []int{0}, nil, dz, []int{0}, nil)
	}
	return []VarGradient{{Var: l.w, Grad: dw}, {Var: l.b, Grad: ReduceSum(dz, 0)}}
}

// inputGradient is the objective's gradient with respect to l.in, given dz:
// dz·W for W [outputs, inputs], dz·Wᵀ for W [inputs, outputs]; [batch,
// inputs] either way, with no transpose.
func (l denseLayer) inputGradient(dz *Node, layout compute.DenseLayout) *Node {
	w := l.w.NodeValue(dz.Graph())
	if layout == compute.DenseLayoutOutputsInput {
		return DotGeneral(dz, []int{1}, nil, w, []int{0}, nil)
	}
	return DotGeneral(dz, []int{1}, nil, w, []int{1}, nil)
}

// layout is the MLP's weight layout for GoMLX's dense layers.
func (m *mlp) layout() compute.DenseLayout {
	if m.spec.Layout == LayoutOutputsInputs {
		return compute.DenseLayoutOutputsInput
	}
	return compute.DenseLayoutInputOutputs
}

// activationGradient is the gradient with respect to a layer's z given dh,
// the gradient with respect to its h = Activate(name, z). At z = 0 ReLU's
// derivative is taken as 1, as GoMLX's autodiff of Max(z, 0) takes it.
func activationGradient(name string, z, h, dh *Node) *Node {
	zero := ScalarZero(z.Graph(), z.DType())
	switch name {
	case "relu":
		return Where(GreaterOrEqual(z, zero), dh, zero)
	case "leaky_relu":
		return Where(GreaterOrEqual(z, zero), dh, MulScalar(dh, 0.01))
	case "sigmoid":
		return Mul(dh, Mul(h, OneMinus(h)))
	case "tanh":
		return Mul(dh, OneMinus(Square(h)))
	case "linear":
		return dh
	}
	panic(fmt.Sprintf("models: activation %q has no hand-written derivative", name))
}

// forward builds the MLP's layers (not maxout: see Scores) and returns them,
// the output layer last, whose z are the scores.
func (m *mlp) forward(scope *model.Scope, x *Node) []denseLayer {
	var out []denseLayer
	for i, width := range m.spec.Hidden {
		l := dense(scope.In("hidden_%d", i).WithInitializer(m.initializer(scope)), x, m.layout(), width)
		l.h = Activate(m.spec.Activation, l.z)
		out = append(out, l)
		x = l.h
	}
	scope = scope.In("output").WithInitializer(m.outputInitializer(scope))
	return append(out, dense(scope, x, m.layout(), m.spec.Classes))
}

func (m *mlp) backward(scope *model.Scope, x, labels *Node, scale float64) (scores, loss *Node, grads []VarGradient) {
	layers := m.forward(scope, x)
	scores = layers[len(layers)-1].z
	loss = m.Loss(scores, labels)
	dz := m.scoresGradient(scores, labels, scale)
	for i := len(layers) - 1; i >= 0; i-- {
		grads = append(grads, layers[i].gradients(dz, m.layout())...)
		if i > 0 {
			below := layers[i-1]
			dz = activationGradient(m.spec.Activation, below.z, below.h, layers[i].inputGradient(dz, m.layout()))
		}
	}
	return scores, loss, grads
}

// scoresGradient is the gradient of scale·Loss(scores, labels) with
// respect to the scores.
func (m *mlp) scoresGradient(scores, labels *Node, scale float64) *Node {
	dims := scores.Shape().Dimensions
	oneHot := OneHot(labels, m.spec.Classes, scores.DType())
	switch m.spec.Loss {
	case LossSigmoidBCE: // mean over batch·classes of BCE(sigmoid(s), y)
		return MulScalar(Sub(Sigmoid(scores), oneHot), scale/float64(dims[0]*dims[1]))
	case LossMSE: // mean over batch·classes of (s - y)²
		return MulScalar(Sub(scores, oneHot), 2*scale/float64(dims[0]*dims[1]))
	default: // mean over the batch of -log softmax(s)[label]
		return MulScalar(Sub(Softmax(scores, -1), oneHot), scale/float64(dims[0]))
	}
}

// layer builds the perceptron's one layer: W [classes, inputs], b [classes],
// zero-initialized (see Scores).
func (p *perceptron) layer(scope *model.Scope, x *Node) denseLayer {
	return dense(p.scope(scope), x, compute.DenseLayoutOutputsInput, p.spec.Classes)
}

func (p *perceptron) backward(scope *model.Scope, x, labels *Node, scale float64) (scores, loss *Node, grads []VarGradient) {
	l := p.layer(scope, x)
	scores = l.z
	loss = p.Loss(scores, labels)
	// d/ds of mean over the batch of Σ max(0, -y·s): -y on a mistake (margin
	// <= 0, as Loss counts it), 0 elsewhere: the perceptron rule.
	y := signedTargets(labels, p.spec.Classes, scores.DType())
	mistake := LessOrEqual(Mul(y, scores), ScalarZero(scores.Graph(), scores.DType()))
	dz := Where(mistake, MulScalar(y, -scale/float64(scores.Shape().Dimensions[0])), ScalarZero(scores.Graph(), scores.DType()))
	return scores, loss, l.gradients(dz, compute.DenseLayoutOutputsInput)
}
