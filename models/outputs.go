package models

import (
	"fmt"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph code reads better dot-imported, as in GoMLX.
)

// Outputs is what a model's Probabilities are: one of the Output kinds. It
// is stored in predict's and serve's answers and in exported files, so the
// names are fixed.
type Outputs string

// The kinds of outputs.
const (
	OutputSoftmax Outputs = "softmax" // softmax over the classes
	OutputSigmoid Outputs = "sigmoid" // one sigmoid per class (one-vs-rest)
	OutputClipped Outputs = "clipped" // linear outputs clipped to [0, 1] (mse)
	OutputStep    Outputs = "step"    // 1 where the score is above 0, else 0 (perceptron)
)

// Description says what the outputs are, in a sentence for users.
func (o Outputs) Description() string {
	switch o {
	case OutputSoftmax:
		return "class probabilities (softmax)"
	case OutputSigmoid:
		return "per-class sigmoid probabilities (one-vs-rest, they need not sum to 1)"
	case OutputClipped:
		return "per-class linear outputs clipped to [0, 1] (regressed one-hot targets, not probabilities)"
	case OutputStep:
		return "per-class step outputs, 1 if the class's score is above 0, else 0 (a perceptron has no probabilities, so no confidence); " +
			"the prediction is the class with the highest score, and its margin that score minus the runner-up's"
	}
	return string(o)
}

// HasConfidence tells whether the predicted class's output says how sure
// the model is. Step outputs do not (they are 0 or 1): how sure a
// perceptron is shows in its margin, the predicted class's score minus
// the runner-up's.
func (o Outputs) HasConfidence() bool { return o != OutputStep }

// probabilities builds the outputs from scores [batch, classes].
func (o Outputs) probabilities(scores *Node) *Node {
	switch o {
	case OutputSoftmax:
		return Softmax(scores, -1)
	case OutputSigmoid:
		return Sigmoid(scores)
	case OutputClipped:
		// Linear outputs regress the one-hot target; clip them to [0,1].
		return ClipScalar(scores, 0, 1)
	case OutputStep:
		return ConvertDType(GreaterThan(scores, ZerosLike(scores)), scores.DType())
	}
	panic(fmt.Sprintf("models: outputs %q have no graph", o))
}
