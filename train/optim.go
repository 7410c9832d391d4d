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
		velocityVar := scope.Store().Scope(velocityScope(v.Scope())).
			WithInitializer(initializer.Zero).
			VariableWithShape(v.Name()+velocitySuffix, v.Shape()).
			SetTrainable(false)
		velocity := Add(MulScalar(velocityVar.NodeValue(g), o.momentum), grads[i])
		velocityVar.SetNodeValue(velocity)
		v.SetNodeValue(Sub(v.NodeValue(g), Mul(ConvertDType(lr, velocity.DType()), velocity)))
		i++
	}
}

// velocityScope is where sgdMomentum keeps the velocities of the
// variables of the scope varScope, each named after its variable with
// velocitySuffix.
func velocityScope(varScope string) string {
	return path.Join("/", optimizer.Scope, momentumScope, varScope)
}

const velocitySuffix = "_velocity"

// Clear implements optimizer.Interface.
func (o *sgdMomentum) Clear(scope *model.Scope) error {
	return scope.Store().Scope(path.Join("/", optimizer.Scope, momentumScope)).DeleteVariablesInScope()
}

// scheduleLR sets this step's learning rate (the learning-rate variable the
// optimizers read) from Config.Schedule and Config.Warmup (scheduledRates),
// at the global step (the steps done before this one).
func (p *Program) scheduleLR(scope *model.Scope, g *Graph) {
	if p.cfg.Schedule != "cosine" && p.warmupSteps == 0 {
		return // constant: the variable keeps cfg.LR
	}
	step := ConvertDType(optimizer.GetGlobalStepVar(p.store).NodeValue(g), dtypes.Float32)
	lr := scheduledRates(g, Reshape(step, 1), []rateSchedule{p.rateSchedule()})
	optimizer.LearningRateVar(scope, dtypes.Float32, p.cfg.LR).SetNodeValue(Reshape(lr))
}

// rateSchedule is how one run's learning rate moves: Config.LR, the cosine
// schedule or not, and its warm-up and total steps.
type rateSchedule struct {
	lr            float64
	cosine        bool
	warmup, total int
}

// rateSchedule is the program's.
func (p *Program) rateSchedule() rateSchedule {
	return rateSchedule{lr: p.cfg.LR, cosine: p.cfg.Schedule == "cosine", warmup: p.warmupSteps, total: p.totalSteps}
}

// scheduledRates is each run's learning rate at its step t ([T] float32,
// the global steps done before this one), for runs side by side (a
// Group's; one for a run alone), with W the warm-up steps and T the
// run's total steps:
//
//   - a linear warm-up from LR/W at the first step to LR at step W, as in
//     Goyal et al. 2017 (with a constant schedule: then LR on);
//   - cosine: LR·(1+cos(pi·(t-W)/(T-W)))/2 after the warm-up, 0 from T on
//     (with W = 0, the cosine decay of Loshchilov and Hutter over the run).
//     Warm-up then cosine is the one-cycle shape of Smith's schedule.
//
// GoMLX's cosineschedule restarts its cycle at the end instead, which is not
// what a fixed-length run wants. Program.LearningRate is the same on the
// host.
func scheduledRates(g *Graph, step *Node, runs []rateSchedule) *Node {
	n := len(runs)
	base, half, warm, start, length := make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
	cosine := make([]bool, n)
	anyCosine, anyWarm := false, false
	for i, r := range runs {
		w, total := float64(r.warmup), float64(max(r.total, 1))
		base[i], half[i], cosine[i] = float32(r.lr), float32(r.lr/2), r.cosine
		start[i], length[i] = float32(w), float32(max(total-w, 1))
		warm[i] = float32(max(w, 1)) // with no warm-up, min((t+1)/1, 1) is exactly 1
		anyCosine, anyWarm = anyCosine || r.cosine, anyWarm || w > 0
	}
	lr := Const(g, base)
	if anyCosine {
		frac := ClipScalar(Div(Sub(step, Const(g, start)), Const(g, length)), 0, 1)
		decayed := Mul(OnePlus(Cos(MulScalar(frac, math.Pi))), Const(g, half))
		lr = Where(Const(g, cosine), decayed, lr)
	}
	if anyWarm {
		lr = Mul(lr, MinScalar(Div(OnePlus(step), Const(g, warm)), 1))
	}
	return lr
}
