package models

import (
	"fmt"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph code reads better dot-imported, as in GoMLX.
)

// TrialScores is Scores for T models of one spec trained side by side (a
// trial axis): x is [T, batch, Inputs] float32, params holds each of the
// model's parameters (ParamsOf's order: each layer's weights, then its
// biases) with a leading trial axis, [T, ...the parameter's shape], and
// the result is [T, batch, Classes]. Trial t's scores are Scores of trial
// t's parameters on x[t]: every product is a batched product over the
// trial axis and every other operation is element-wise or reduces within
// one trial, so nothing mixes across trials (a trial whose weights are
// NaN leaves the others as they are).
//
// It is built from Layers, the description every kind gives, so a kind
// with only dense layers (the perceptron and the MLP) has a trial form
// without code of its own; a layer op it does not know panics, as build
// does.
func TrialScores(m Model, params []*Node, x *Node) *Node {
	layers := m.Layers()
	if len(params) != 2*len(layers) {
		panic(fmt.Sprintf("models: %d trial parameters for %d layers", len(params), len(layers)))
	}
	for i, l := range layers {
		x = l.buildTrials(x, params[2*i], params[2*i+1])
	}
	return x
}

// buildTrials is build on a trial axis: x [T, batch, Inputs], w [T, ...]
// in the layer's layout and b [T, Outputs]; it returns [T, batch, Units].
func (l Layer) buildTrials(x, w, b *Node) *Node {
	if l.Op != OpDense {
		panic(fmt.Sprintf("models: layer %s: op %q has no graph", l.Name, l.Op))
	}
	contracting := 1 // w [T, Inputs, Outputs]
	if l.Layout == LayoutOutputsInputs {
		contracting = 2 // w [T, Outputs, Inputs]
	}
	z := DotGeneral(x, []int{2}, []int{0}, w, []int{contracting}, []int{0})
	t, outputs := b.Shape().Dimensions[0], b.Shape().Dimensions[1]
	z = Add(z, Reshape(b, t, 1, outputs))
	switch l.Activation {
	case "":
		return z
	case "maxout":
		dims := z.Shape().Dimensions
		return ReduceMax(Reshape(z, dims[0], dims[1], l.Units(), l.MaxoutPieces), -1)
	}
	return Activate(l.Activation, z)
}
