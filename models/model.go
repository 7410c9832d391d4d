package models

import (
	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph code reads better dot-imported, as in GoMLX.
	"github.com/gomlx/gomlx/ml/model"
)

// Model is one network: a description of it (Layers, Outputs), from its
// spec alone, and its graph as GoMLX graph-building functions (Scores,
// Loss, Probabilities). The graph methods run while a graph is being built
// and panic (GoMLX's convention) on a shape error; the training code turns
// such panics into errors. The graph creates the variables the layers
// describe (ParamsOf), in that order.
type Model interface {
	// Spec returns the normalized spec the model was built from.
	Spec() Spec
	// Layers describes the model's layers, input to output; the last one's
	// outputs are the scores.
	Layers() []Layer
	// Outputs says what Probabilities are.
	Outputs() Outputs
	// Scores builds the forward pass: x [batch, Inputs] float32 in [0,1]
	// to one score (logit) per class, [batch, Classes].
	Scores(scope *model.Scope, x *Node) *Node
	// Loss is the training criterion for scores and integer labels [batch],
	// as a scalar mean over the batch.
	Loss(scores, labels *Node) *Node
	// Probabilities turns scores into per-class confidences in [0,1], as
	// Outputs says.
	Probabilities(scores *Node) *Node
}

// New validates spec and returns its model.
func New(spec Spec) (Model, error) {
	spec, err := spec.Normalize()
	if err != nil {
		return nil, err
	}
	kind, err := Lookup(spec.Name)
	if err != nil {
		return nil, err
	}
	return kind.New(spec), nil
}

// SumsOverBatch tells whether m trains on the sum of the per-example
// gradients of a batch instead of their mean (the default).
func SumsOverBatch(m Model) bool {
	s, ok := m.(interface{ SumsOverBatch() bool })
	return ok && s.SumsOverBatch()
}

// Predict returns the predicted class of each row of scores, as int32 [batch].
func Predict(scores *Node) *Node {
	return ArgMax(scores, -1, dtypes.Int32)
}
