package models

import (
	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph code reads better dot-imported, as in GoMLX.
	"github.com/gomlx/gomlx/ml/nn"
)

// ExperimentCustomProduct (temporary) makes dense layers use denseProduct.
var ExperimentCustomProduct bool

// denseProduct is x·Wᵀ (W [outputs, inputs]) or x·W (W [inputs, outputs])
// plus b, whose gradients with respect to x and W are written in the layout
// they are used in.
func denseProduct(x, w, b *Node, layout compute.DenseLayout) *Node {
	var dz *Node // the gradient with respect to the output, known before x's and w's
	xc := IdentityWithCustomGradient(x, func(_, _ *Node) *Node {
		if layout == compute.DenseLayoutOutputsInput {
			return DotGeneral(dz, []int{1}, nil, w, []int{0}, nil)
		}
		return DotGeneral(dz, []int{1}, nil, w, []int{1}, nil)
	})
	wc := IdentityWithCustomGradient(w, func(_, _ *Node) *Node {
		if layout == compute.DenseLayoutOutputsInput {
			return DotGeneral(TransposeAllAxes(dz, 1, 0), []int{1}, nil, x, []int{0}, nil)
		}
		return DotGeneral(x, []int{0}, nil, dz, []int{0}, nil)
	})
	z := nn.Dense(xc, wc, b, layout)
	return IdentityWithCustomGradient(z, func(_, v *Node) *Node {
		dz = v
		return v
	})
}
