package train

import (
	"math"
	"path"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph code reads better dot-imported, as in GoMLX.
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/model/initializer"
	"github.com/gomlx/gomlx/ml/train/optimizer"
	"github.com/neurona/neurona/train/config"
)

// newOptimizer returns GoMLX's optimizer for cfg. GoMLX's SGD has no
// momentum, so SGD with momentum is sgdMomentum below, built on the same
// GoMLX pieces (gradients, learning-rate variable, global step).
func newOptimizer(cfg config.Config) optimizer.Interface {
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
	o.UpdateGraphWithGradients(scope, scope.BuildTrainableVariablesGradientsGraph(loss), loss.DType())
}

// UpdateGraphWithGradients applies grads, one per trainable variable the
// graph uses in the order of scope.IterVariables (that of
// BuildTrainableVariablesGradientsGraph).
func (o *sgdMomentum) UpdateGraphWithGradients(scope *model.Scope, grads []*Node, lossDType dtypes.DType) {
	g := grads[0].Graph()
	lr := optimizer.LearningRateVar(scope, lossDType, o.lr).NodeValue(g)
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

// scheduleLR sets this step's learning rate (the learning-rate variable the
// optimizers read) from Config.Schedule and Config.Warmup, with t the
// global step (the steps done before this one), W the warm-up steps and T
// the run's total steps:
//
//   - a linear warm-up from LR/W at the first step to LR at step W, as in
//     Goyal et al. 2017 (with a constant schedule: then LR on);
//   - cosine: LR·(1+cos(pi·(t-W)/(T-W)))/2 after the warm-up, 0 from T on
//     (with W = 0, the cosine decay of Loshchilov and Hutter over the run).
//     Warm-up then cosine is the one-cycle shape of Smith's schedule.
//
// GoMLX's cosineschedule restarts its cycle at the end instead, which is not
// what a fixed-length run wants.
func (p *Program) scheduleLR(scope *model.Scope, g *Graph) {
	cosine, warmup := p.cfg.Schedule == "cosine", float64(p.warmupSteps)
	if !cosine && warmup == 0 {
		return // constant: the variable keeps cfg.LR
	}
	step := ConvertDType(optimizer.GetGlobalStepVar(p.store).NodeValue(g), dtypes.Float32)
	lr := Scalar(g, dtypes.Float32, p.cfg.LR)
	if cosine {
		total := float64(max(p.totalSteps, 1))
		var frac *Node
		if warmup == 0 {
			frac = MinScalar(DivScalar(step, total), 1)
		} else {
			frac = ClipScalar(DivScalar(AddScalar(step, -warmup), max(total-warmup, 1)), 0, 1)
		}
		lr = MulScalar(OnePlus(Cos(MulScalar(frac, math.Pi))), p.cfg.LR/2)
	}
	if warmup > 0 {
		lr = Mul(lr, MinScalar(DivScalar(OnePlus(step), warmup), 1))
	}
	optimizer.LearningRateVar(scope, dtypes.Float32, p.cfg.LR).SetNodeValue(lr)
}
