package models

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph code reads better dot-imported, as in GoMLX.
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/model/initializer"
	"github.com/gomlx/gomlx/ml/train/loss"
	"github.com/neurona/neurona/internal/field"
	"github.com/neurona/neurona/internal/human"
)

// mlpKind is the multi-layer perceptron (the mlp type).
type mlpKind struct{}

func (mlpKind) Name() string { return MLP }

func (mlpKind) Normalize(s Spec) (Spec, error) {
	if s.Layout == LayoutInputsOutputs {
		s.Layout = ""
	}
	if s.Layout != "" && s.Layout != LayoutOutputsInputs {
		return s, field.Errorf("layout", human.Quote(s.Layout), "accepted: %s, %s", LayoutInputsOutputs, LayoutOutputsInputs).Wrapping(ErrSpec)
	}
	if s.Hidden == nil {
		s.Hidden = []int{512, 512}
	}
	if len(s.Hidden) > MaxHiddenLayers {
		return s, field.Errorf("hidden", "", "%d layers (at most %d)", len(s.Hidden), MaxHiddenLayers).Wrapping(ErrSpec)
	}
	for _, h := range s.Hidden {
		if h <= 0 || h > MaxWidth {
			return s, field.Errorf("hidden", human.Clip(widths(s.Hidden)), "%d is not a layer width (each must be 1 to %d)", h, MaxWidth).Wrapping(ErrSpec)
		}
	}
	if s.Activation == "" {
		s.Activation = "relu"
	}
	if !slices.Contains(Activations, s.Activation) {
		return s, field.Errorf("activation", human.Quote(s.Activation), "accepted: %s", strings.Join(Activations, ", ")).Wrapping(ErrSpec)
	}
	if s.Activation == "maxout" {
		if s.MaxoutPieces == 0 {
			s.MaxoutPieces = 2
		}
		if s.MaxoutPieces < 2 || s.MaxoutPieces > MaxMaxoutPieces {
			return s, field.Errorf("maxout-pieces", strconv.Itoa(s.MaxoutPieces), "must be 2 to %d", MaxMaxoutPieces).Wrapping(ErrSpec)
		}
	} else {
		s.MaxoutPieces = 0
	}
	if s.Loss == "" {
		s.Loss = LossSoftmaxCE
	}
	if !slices.Contains(Losses, s.Loss) {
		return s, field.Errorf("loss", human.Quote(s.Loss), "accepted: %s", strings.Join(Losses, ", ")).Wrapping(ErrSpec)
	}
	return s, nil
}

// Uses: the MLP's shape and loss.
func (mlpKind) Uses(key string) bool {
	switch key {
	case "hidden", "activation", "maxout-pieces", "loss":
		return true
	}
	return false
}

// Recipe: Adam at 6e-3 warmed up over half an epoch, a cosine decay over 4
// epochs of batch 512. Batch 512 runs more examples a second than batch
// 128 on every backend, and 6x the rate warmed up over half an epoch makes
// up for the fewer steps. A fourth epoch buys the margin over 0.98 that
// kernels rounding differently (a GPU's) need: 3 epochs ended within 0.001
// of it, and validation prefers 4 on every seed (docs/performance.md).
func (mlpKind) Recipe() Recipe {
	return Recipe{Optimizer: "adam", LR: 6e-3, BatchSize: 512, Epochs: 4, Schedule: "cosine", Warmup: 0.5,
		Layout: LayoutOutputsInputs}
}

func (mlpKind) New(s Spec) Model { return &mlp{spec: s} }

// mlp is a multi-layer perceptron: dense hidden layers with one activation,
// then a dense output layer whose meaning depends on the loss.
type mlp struct{ spec Spec }

func (m *mlp) Spec() Spec { return m.spec }

// Layers: "hidden_0", ... of the spec's widths (width·pieces outputs for
// maxout) with its activation, then "output" with one score per class,
// all in the spec's layout.
func (m *mlp) Layers() []Layer {
	layout := m.spec.Layout
	if layout == "" {
		layout = LayoutInputsOutputs
	}
	in, pieces := m.spec.Inputs, max(m.spec.MaxoutPieces, 1)
	layers := make([]Layer, 0, len(m.spec.Hidden)+1)
	for i, width := range m.spec.Hidden {
		name := fmt.Sprintf("hidden_%d", i)
		layers = append(layers, Layer{Op: OpDense, Name: name, Scope: name, Inputs: in, Outputs: width * pieces,
			Layout: layout, Activation: m.spec.Activation, MaxoutPieces: m.spec.MaxoutPieces})
		in = width
	}
	return append(layers, Layer{Op: OpDense, Name: "output", Scope: "output", Inputs: in, Outputs: m.spec.Classes, Layout: layout})
}

// Outputs follow the loss: the output layer and criterion are a pair.
func (m *mlp) Outputs() Outputs {
	switch m.spec.Loss {
	case LossSigmoidBCE:
		return OutputSigmoid
	case LossMSE:
		return OutputClipped
	}
	return OutputSoftmax
}

func (m *mlp) Scores(scope *model.Scope, x *Node) *Node {
	layers := m.Layers()
	for i, l := range layers {
		init := m.initializer
		if i == len(layers)-1 {
			init = m.outputInitializer
		}
		x = l.build(scope.In("%s", l.Scope).WithInitializer(init(scope)), x)
	}
	return x
}

// outputInitializer is Glorot's: the output layer has no ReLU after it.
func (m *mlp) outputInitializer(scope *model.Scope) initializer.VariableInitializer {
	return initializer.XavierUniformFn(scope)
}

// initializer is He's for the ReLU family (its variance argument assumes
// half the units are off) and Glorot's otherwise.
func (m *mlp) initializer(scope *model.Scope) initializer.VariableInitializer {
	switch m.spec.Activation {
	case "relu", "leaky_relu", "maxout":
		return initializer.HeFn(scope)
	default:
		return initializer.XavierUniformFn(scope)
	}
}

func (m *mlp) Loss(scores, labels *Node) *Node {
	oneHot := OneHot(labels, m.spec.Classes, scores.DType())
	switch m.spec.Loss {
	case LossSigmoidBCE:
		return loss.BinaryCrossentropyLogits([]*Node{oneHot}, []*Node{scores})
	case LossMSE:
		return loss.MeanSquaredError([]*Node{oneHot}, []*Node{scores})
	default:
		return loss.CategoricalCrossEntropyLogits([]*Node{oneHot}, []*Node{scores})
	}
}

func (m *mlp) Probabilities(scores *Node) *Node { return m.Outputs().probabilities(scores) }
