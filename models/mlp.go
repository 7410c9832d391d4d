package models

import (
	"fmt"
	"slices"
	"strings"
)

// mlpKind is the multi-layer perceptron (the mlp type).
type mlpKind struct{}

func (mlpKind) Name() string { return MLP }

func (mlpKind) Normalize(s Spec) (Spec, error) {
	if s.Layout == LayoutInputsOutputs {
		s.Layout = ""
	}
	if s.Layout != "" && s.Layout != LayoutOutputsInputs {
		return s, fmt.Errorf("%w: unknown weight layout %q (accepted: %s, %s)", ErrSpec, s.Layout, LayoutInputsOutputs, LayoutOutputsInputs)
	}
	if s.Hidden == nil {
		s.Hidden = []int{512, 512}
	}
	if len(s.Hidden) > MaxHiddenLayers {
		return s, fmt.Errorf("%w: %d hidden layers (at most %d)", ErrSpec, len(s.Hidden), MaxHiddenLayers)
	}
	for _, h := range s.Hidden {
		if h <= 0 || h > MaxWidth {
			return s, fmt.Errorf("%w: hidden layer width %d (each must be 1 to %d)", ErrSpec, h, MaxWidth)
		}
	}
	if s.Activation == "" {
		s.Activation = "relu"
	}
	if !slices.Contains(Activations, s.Activation) {
		return s, fmt.Errorf("%w: unknown activation %q (accepted: %s)", ErrSpec, s.Activation, strings.Join(Activations, ", "))
	}
	if s.Activation == "maxout" {
		if s.MaxoutPieces == 0 {
			s.MaxoutPieces = 2
		}
		if s.MaxoutPieces < 2 || s.MaxoutPieces > MaxMaxoutPieces {
			return s, fmt.Errorf("%w: --maxout-pieces %d (must be 2 to %d)", ErrSpec, s.MaxoutPieces, MaxMaxoutPieces)
		}
	} else {
		s.MaxoutPieces = 0
	}
	if s.Loss == "" {
		s.Loss = LossSoftmaxCE
	}
	if !slices.Contains(Losses, s.Loss) {
		return s, fmt.Errorf("%w: unknown loss %q for the mlp (accepted: %s)", ErrSpec, s.Loss, strings.Join(Losses, ", "))
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
