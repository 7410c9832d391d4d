package models

import (
	"fmt"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph code reads better dot-imported, as in GoMLX.
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/model/initializer"
	"github.com/gomlx/gomlx/ml/train/loss"
)

// Model is a network as GoMLX graph-building functions. Every method runs
// while a graph is being built and panics (GoMLX's convention) on a shape
// error; the training code turns such panics into errors.
type Model interface {
	// Spec returns the normalized spec the model was built from.
	Spec() Spec
	// Scores builds the forward pass: x [batch, Inputs] float32 in [0,1]
	// to one score (logit) per class, [batch, Classes].
	Scores(scope *model.Scope, x *Node) *Node
	// Loss is the training criterion for scores and integer labels [batch],
	// as a scalar mean over the batch.
	Loss(scores, labels *Node) *Node
	// Probabilities turns scores into per-class confidences in [0,1].
	Probabilities(scores *Node) *Node
}

// New validates spec and returns its model.
func New(spec Spec) (Model, error) {
	spec, err := spec.Normalize()
	if err != nil {
		return nil, err
	}
	if spec.Name == Perceptron {
		return &perceptron{spec: spec}, nil
	}
	return &mlp{spec: spec}, nil
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

// perceptron is Rosenblatt's perceptron, one-vs-rest over the classes:
// z = W·x + b with W [classes, inputs], step(z) in {+1, -1} per class, and
// the class with the largest z wins (as scikit-learn's Perceptron decides).
type perceptron struct{ spec Spec }

func (p *perceptron) Spec() Spec { return p.spec }

func (p *perceptron) Scores(scope *model.Scope, x *Node) *Node {
	return dense(p.scope(scope), x, compute.DenseLayoutOutputsInput, p.spec.Classes)
}

// scope is where the perceptron's variables live. Zero initial weights, as
// in the lecture and scikit-learn: with them the learning rate only scales
// W and never changes a prediction.
func (p *perceptron) scope(scope *model.Scope) *model.Scope {
	return scope.In("perceptron").WithInitializer(initializer.Zero)
}

// Loss is the perceptron criterion max(0, -y·z) with y = +1 for the true
// class and -1 for the others, summed over the one-vs-rest classifiers (as
// scikit-learn's loss per classifier, added up) and averaged over the batch.
// Its gradient with respect to W is -y·x on a mistake and 0 otherwise, which
// is the perceptron rule w <- w + eta·y·x. A margin of exactly 0 counts as a
// mistake (as in scikit-learn), so training can start from zero weights;
// the mistake mask is a constant for autodiff, so the subgradient at 0 is
// chosen by the rule, not by how Max happens to differentiate.
func (p *perceptron) Loss(scores, labels *Node) *Node {
	y := signedTargets(labels, p.spec.Classes, scores.DType())
	margin := Mul(y, scores)
	mistake := StopGradient(ConvertDType(LessOrEqual(margin, ZerosLike(margin)), scores.DType()))
	perExample := ReduceSum(Mul(Neg(margin), mistake), -1)
	return ReduceAllMean(perExample)
}

// SumsOverBatch reports that the perceptron trains on the sum of its
// per-example gradients, the batch form of the perceptron rule
// (w <- w + eta·Σ y·x over the batch's mistakes): with batch 1 it is the
// online rule exactly, and the weights, and so the loss that the stopping
// rule compares against --tol, keep the same scale at every batch size.
func (p *perceptron) SumsOverBatch() bool { return true }

// Probabilities of a perceptron are not calibrated: it reports the step
// activation as 1 (z > 0) or 0 per class.
func (p *perceptron) Probabilities(scores *Node) *Node {
	return ConvertDType(GreaterThan(scores, ZerosLike(scores)), scores.DType())
}

// mlp is a multi-layer perceptron: dense hidden layers with one activation,
// then a dense output layer whose meaning depends on the loss.
type mlp struct{ spec Spec }

func (m *mlp) Spec() Spec { return m.spec }

func (m *mlp) Scores(scope *model.Scope, x *Node) *Node {
	for i, width := range m.spec.Hidden {
		layer := scope.In("hidden_%d", i).WithInitializer(m.initializer(scope))
		if m.spec.Activation != "maxout" {
			x = Activate(m.spec.Activation, dense(layer, x, m.layout(), width))
			continue
		}
		// Maxout (Goodfellow et al. 2013): each unit is the max of `pieces`
		// linear functions of the input.
		pieces := m.spec.MaxoutPieces
		z := dense(layer, x, m.layout(), width*pieces)
		z = Reshape(z, z.Shape().Dimensions[0], width, pieces)
		x = ReduceMax(z, -1)
	}
	out := scope.In("output").WithInitializer(m.outputInitializer(scope))
	return dense(out, x, m.layout(), m.spec.Classes)
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

func (m *mlp) Probabilities(scores *Node) *Node {
	switch m.spec.Loss {
	case LossSigmoidBCE:
		return Sigmoid(scores)
	case LossMSE:
		// Linear outputs regress the one-hot target; clip them to [0,1].
		return ClipScalar(scores, 0, 1)
	default:
		return Softmax(scores, -1)
	}
}

// signedTargets returns +1 for each example's true class and -1 elsewhere.
func signedTargets(labels *Node, classes int, dtype dtypes.DType) *Node {
	return AddScalar(MulScalar(OneHot(labels, classes, dtype), 2), -1)
}

// Activate applies one of Activations (except maxout, which needs its own
// layer) to x. These are the functions the MLP uses.
func Activate(name string, x *Node) *Node {
	switch name {
	case "relu":
		return Max(x, ZerosLike(x))
	case "leaky_relu":
		// Slope 0.01 for x < 0, PyTorch's default.
		return Where(GreaterOrEqual(x, ZerosLike(x)), x, MulScalar(x, 0.01))
	case "sigmoid":
		return Sigmoid(x)
	case "tanh":
		return Tanh(x)
	case "linear":
		return x
	}
	panic(fmt.Sprintf("models: activation %q has no pointwise form", name))
}

// Param is one trainable tensor of a model.
type Param struct {
	Name  string `json:"name"`
	Shape []int  `json:"shape"`
}

// Params builds the model's graph once for a batch of one on backend and
// returns its trainable variables, in creation order, and their total size.
func Params(backend compute.Backend, m Model) (params []Param, total int, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("models: build %s: %v", m.Spec(), r)
		}
	}()
	store := model.NewStore()
	g := NewGraph(backend, "params")
	x := Parameter(g, "x", shapes.Make(dtypes.Float32, 1, m.Spec().Inputs))
	m.Scores(store.RootScope(), x)
	for v := range store.IterVariables() {
		if !v.Trainable {
			continue
		}
		dims := v.Shape().Dimensions
		params = append(params, Param{Name: v.Path(), Shape: dims})
		total += v.Shape().Size()
	}
	g.Finalize()
	return params, total, nil
}
