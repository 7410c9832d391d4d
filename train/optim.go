package train

import (
	"path"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph code reads better dot-imported, as in GoMLX.
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/model/initializer"
	"github.com/gomlx/gomlx/ml/train/optimizer"
)

// newOptimizer returns GoMLX's optimizer for cfg. GoMLX's SGD has no
// momentum, so SGD with momentum is sgdMomentum below, built on the same
// GoMLX pieces (gradients, learning-rate variable, global step).
func newOptimizer(cfg Config) optimizer.Interface {
	switch cfg.Optimizer {
	case "sgd":
		if cfg.Momentum == 0 {
			// GoMLX's SGD divides the rate by sqrt(step) unless told not to;
			// neurona's schedules are explicit (--schedule).
			return optimizer.StochasticGradientDescent().WithDecay(false).WithLearningRate(cfg.LR).Done()
		}
		return &sgdMomentum{lr: cfg.LR, momentum: cfg.Momentum}
	case "adamw":
		wd := cfg.WeightDecay
		if wd == 0 {
			wd = 0.01 // PyTorch's AdamW default
		}
		return optimizer.Adam().LearningRate(cfg.LR).WeightDecay(wd).Done()
	default:
		return optimizer.Adam().LearningRate(cfg.LR).WeightDecay(cfg.WeightDecay).Done()
	}
}

// sgdMomentum is SGD with heavy-ball momentum in PyTorch's form:
// v <- mu·v + g; w <- w - lr·v.
type sgdMomentum struct {
	lr, momentum float64
}

const momentumScope = "sgd_momentum"

// UpdateGraph implements optimizer.Interface.
func (o *sgdMomentum) UpdateGraph(scope *model.Scope, g *Graph, loss *Node) {
	grads := scope.BuildTrainableVariablesGradientsGraph(loss)
	lr := optimizer.LearningRateVar(scope, loss.DType(), o.lr).NodeValue(g)
	optimizer.IncrementGlobalStep(g, dtypes.Int64)
	i := 0
	for v := range scope.IterVariables() {
		if !v.Trainable || !v.InUseByGraph(g) {
			continue
		}
		velocityVar := scope.Store().Scope(path.Join("/", optimizer.Scope, momentumScope, v.Scope())).
			WithInitializer(initializer.Zero).
			VariableWithShape(v.Name()+"_velocity", v.Shape()).
			SetTrainable(false)
		velocity := Add(MulScalar(velocityVar.NodeValue(g), o.momentum), grads[i])
		velocityVar.SetNodeValue(velocity)
		v.SetNodeValue(Sub(v.NodeValue(g), Mul(ConvertDType(lr, velocity.DType()), velocity)))
		i++
	}
}

// Clear implements optimizer.Interface.
func (o *sgdMomentum) Clear(scope *model.Scope) error {
	return scope.Store().Scope(path.Join("/", optimizer.Scope, momentumScope)).DeleteVariablesInScope()
}
