package train

import (
	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph code reads better dot-imported, as in GoMLX.
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/model/initializer"
	"github.com/gomlx/gomlx/ml/train/optimizer"
	"github.com/neurona/neurona/models"
)

// updateAverages adds this step's weights to their running averages
// (Config.Average): avg <- avg + (w - avg)/t, with w the weights this step
// leaves and t the global step after it, so that after t steps avg is the
// mean of the t weights the steps produced. This is Freund and Schapire's
// averaged perceptron (at batch 1, the average over every example seen,
// updates or not) and scikit-learn's SGDClassifier(average=True), here per
// step. The averages are variables like the others: checkpoints save them
// and a resumed run continues them exactly.
func (p *Program) updateAverages(scope *model.Scope, g *Graph) {
	var trained []*model.Variable
	for v := range scope.IterVariables() {
		if v.Trainable && v.InUseByGraph(g) {
			trained = append(trained, v)
		}
	}
	t := ConvertDType(optimizer.GetGlobalStepVar(p.store).NodeValue(g), dtypes.Float32)
	for _, v := range trained {
		avgVar := p.store.VariableWithShape(averagedPath(v.Path()), v.Shape(), initializer.Zero).SetTrainable(false)
		avg := avgVar.NodeValue(g)
		w := v.NodeValue(g)
		avgVar.SetNodeValue(Add(avg, Div(Sub(w, avg), ConvertDType(t, w.DType()))))
	}
}

// predictScope is the scope whose variables a program evaluates and
// predicts with: the averaged copies with Config.Average, else the weights
// being trained.
func (p *Program) predictScope(scope *model.Scope) *model.Scope {
	if p.cfg.Average {
		return scope.In(models.AveragedScope).WithInitializer(initializer.Zero)
	}
	return scope
}
