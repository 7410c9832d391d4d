package models

import (
	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph code reads better dot-imported, as in GoMLX.
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/model/initializer"
	"github.com/neurona/neurona/internal/field"
	"github.com/neurona/neurona/internal/human"
)

// perceptronKind is Rosenblatt's perceptron (the perceptron type).
type perceptronKind struct{}

func (perceptronKind) Name() string { return Perceptron }

func (perceptronKind) Normalize(s Spec) (Spec, error) {
	if len(s.Hidden) > 0 {
		return s, field.Errorf("hidden", human.Clip(widths(s.Hidden)), "the perceptron has no hidden layers (model %s has them)", MLP).Wrapping(ErrSpec)
	}
	if s.Loss == "" {
		s.Loss = LossPerceptron
	}
	if s.Loss != LossPerceptron {
		return s, field.Errorf("loss", human.Quote(s.Loss), "the perceptron trains with its own criterion (this loss is for model %s)", MLP).Wrapping(ErrSpec)
	}
	s.Activation, s.MaxoutPieces, s.Layout = "", 0, ""
	return s, nil
}

// Uses: the averaged perceptron is this kind's only option.
func (perceptronKind) Uses(key string) bool { return key == "average" }

// Recipe: averaged, batch 32, 2 epochs: 0.915 test accuracy in about a
// second of training, where Rosenblatt's last weights swing between 0.78
// and 0.90 from epoch to epoch. Smaller batches average more steps (batch
// 16: 0.916, 128: 0.910 after 2 epochs) and a step costs about the same at
// any of these sizes. The epoch with the best validation accuracy is
// tested; scikit-learn's stopping rule (a training loss not improving by
// 1e-3 for 5 epochs) stays on for longer runs. --average=false
// --batch-size 1 --epochs 1000 is scikit-learn's Perceptron exactly.
func (perceptronKind) Recipe() Recipe {
	return Recipe{Optimizer: "sgd", LR: 1.0, BatchSize: 32, Epochs: 2, Schedule: "constant",
		Tol: 1e-3, NoChange: 5, RestoreBest: true, Average: true}
}

func (perceptronKind) New(s Spec) Model { return &perceptron{spec: s} }

// perceptron is Rosenblatt's perceptron, one-vs-rest over the classes:
// z = W·x + b with W [classes, inputs], step(z) in {+1, -1} per class, and
// the class with the largest z wins (as scikit-learn's Perceptron decides).
type perceptron struct{ spec Spec }

func (p *perceptron) Spec() Spec { return p.spec }

// Layers: one dense layer without activation, W [classes, inputs] (one row
// per class, the lecture's layout) under "perceptron".
func (p *perceptron) Layers() []Layer {
	return []Layer{{Op: OpDense, Name: "output", Scope: "perceptron", Inputs: p.spec.Inputs, Outputs: p.spec.Classes,
		Layout: LayoutOutputsInputs}}
}

// Outputs: steps, 1 where a class's score is above 0.
func (p *perceptron) Outputs() Outputs { return OutputStep }

func (p *perceptron) Scores(scope *model.Scope, x *Node) *Node {
	return p.Layers()[0].build(p.scope(scope), x)
}

// scope is where the perceptron's variables live. Zero initial weights, as
// in the lecture and scikit-learn: with them the learning rate only scales
// W and never changes a prediction.
func (p *perceptron) scope(scope *model.Scope) *model.Scope {
	return scope.In("%s", p.Layers()[0].Scope).WithInitializer(initializer.Zero)
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
	return p.Outputs().probabilities(scores)
}

// signedTargets returns +1 for each example's true class and -1 elsewhere.
func signedTargets(labels *Node, classes int, dtype dtypes.DType) *Node {
	return AddScalar(MulScalar(OneHot(labels, classes, dtype), 2), -1)
}
