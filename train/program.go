package train

import (
	"errors"
	"fmt"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph code reads better dot-imported, as in GoMLX.
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"
	"github.com/neurona/neurona/data"
	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train/config"
)

// Program is one model's compiled training and evaluation calls and its
// variables (weights and optimizer state, in a GoMLX model.Store), with the
// training pipeline it was compiled for. Run trains through one; Compile
// makes one for programs that drive the calls themselves (package
// train/bench times them), and Trained is one loaded from a checkpoint.
//
// neurona builds its own step instead of using GoMLX's train.Trainer
// because the Trainer runs exactly one step per call and returns metrics
// every step; here one call runs Group.Steps steps unrolled in the graph
// and returns only two sums, so several steps share one launch and one
// host round trip. The pieces inside (autodiff, optimizers, losses, layers,
// model.Exec) are GoMLX's.
type Program struct {
	backend     compute.Backend
	cfg         config.Config
	model       models.Model
	store       *model.Store
	opt         optimizer.Interface
	totalSteps  int // for the cosine schedule
	warmupSteps int // config.Config.Warmup in steps
	trainExec   *model.Exec
	evalExec    *model.Exec

	// With Config.DataOnDevice: the dataset as resident tensors (moved to
	// the device by the first call, kept there by GoMLX) and their call.
	residentExec         *model.Exec
	residentX, residentY *tensors.Tensor

	// batches is the training pipeline Compile compiled the calls of
	// (nil for a program made by newProgram alone).
	batches *data.Batches

	breakWhile bool // tests: building a While loop panics

	watch *watchdog // runs the training loop's calls; nil: called directly

	timing CompileTiming // where Compile's time went

	member      *groupSlot   // the group this program trains in (Group); nil: alone
	groupMember bool         // compiled for a group: no training call of its own
	shared      *sharedCalls // the group's evaluation and prediction calls, which it uses instead of its own; nil: its own
}

// newProgram prepares (but does not compile: that happens at the first call
// of each shape) the train and eval calls.
func newProgram(backend compute.Backend, cfg config.Config, m models.Model, totalSteps int) (*Program, error) {
	p := &Program{cfg: cfg, model: m, store: model.NewStore(), opt: newOptimizer(cfg), totalSteps: totalSteps, backend: backend}
	if err := p.store.SetRNGStateFromSeed(int64(cfg.Seed)); err != nil {
		return nil, fmt.Errorf("seed the initializer: %w", err)
	}
	var err error
	if p.trainExec, err = model.NewExec(backend, p.store, p.trainGraph); err != nil {
		return nil, fmt.Errorf("prepare train step: %w", err)
	}
	if p.evalExec, err = model.NewExec(backend, p.store, p.evalGraph); err != nil {
		return nil, fmt.Errorf("prepare eval step: %w", err)
	}
	if p.residentExec, err = model.NewExec(backend, p.store, p.residentGraph); err != nil {
		return nil, fmt.Errorf("prepare train step: %w", err)
	}
	return p, nil
}

// makeResident keeps set's images and labels as the tensors every resident
// training call reads.
func (p *Program) makeResident(set *data.Set) {
	p.residentX, p.residentY = residentSet(set)
}

// residentSet is set's images [N, inputs] uint8 and labels [N] int32 as
// tensors to keep on the device, from which calls gather their batches.
func residentSet(set *data.Set) (images, labels *tensors.Tensor) {
	l := make([]int32, set.N)
	for i, v := range set.Labels {
		l[i] = int32(v)
	}
	return tensors.FromFlatDataAndDimensions(set.Images, set.N, set.ImageSize()), tensors.FromFlatDataAndDimensions(l, set.N)
}

// pixels converts uint8 pixels to float32 in [0,1] inside the graph.
func pixels(x *Node) *Node {
	return DivScalar(ConvertDType(x, dtypes.Float32), 255)
}

// trainGraph runs the steps packed in x [steps*batch, inputs] uint8 and
// y [steps*batch] int32, one after the other, each with the weights the
// previous one left. It returns the sum over all examples of the loss and
// of the correct predictions, both measured before each step's update (as
// Keras and PyTorch report running training metrics).
func (p *Program) trainGraph(_ *model.Scope, x, y *Node) (lossSum, correct *Node) {
	steps, batch := p.stepsIn(x.Shape().Dimensions[0])
	return p.trainSteps(steps, batch, []*Node{x, y}, func(k *Node, in []*Node) (*Node, *Node) {
		x, y := in[0], in[1]
		if steps == 1 {
			return x, y
		}
		at := rowsOfStep(k, batch)
		return Gather(x, at), Gather(y, at)
	})
}

// residentGraph is trainGraph with the dataset resident on the device:
// images [N, inputs] uint8 and labels [N] int32 stay there between calls,
// and each call gets only the example indices of its steps, idx [rows]
// int32, gathering its batches on the device. The examples and their order
// are those of the host pipeline, so the results are the same.
func (p *Program) residentGraph(_ *model.Scope, images, labels, idx *Node) (lossSum, correct *Node) {
	steps, batch := p.stepsIn(idx.Shape().Dimensions[0])
	return p.trainSteps(steps, batch, []*Node{images, labels, idx}, func(k *Node, in []*Node) (*Node, *Node) {
		images, labels, idx := in[0], in[1], in[2]
		rows := idx
		if steps > 1 {
			rows = Gather(idx, rowsOfStep(k, batch))
		}
		at := Reshape(rows, batch, 1)
		return Gather(images, at), Gather(labels, at)
	})
}

// rowsOfStep returns the rows k·batch … k·batch+batch-1 of a call's inputs,
// shaped [batch, 1] for Gather (the Go backend has no DynamicSlice).
func rowsOfStep(k *Node, batch int) *Node {
	rows := Add(Iota(k.Graph(), shapes.Make(dtypes.Int32, batch), 0), MulScalar(k, float64(batch)))
	return Reshape(rows, batch, 1)
}

// stepsIn splits a call's rows into steps of the configured batch size; a
// call with fewer rows (the last partial batch of an epoch) is one step.
func (p *Program) stepsIn(rows int) (steps, batch int) {
	if rows > p.cfg.BatchSize && rows%p.cfg.BatchSize == 0 {
		return rows / p.cfg.BatchSize, p.cfg.BatchSize
	}
	return 1, rows
}

// batchFn returns the batch of step k (an int32 scalar) from the call's
// inputs in.
type batchFn func(k *Node, in []*Node) (x, y *Node)

// trainSteps runs steps training steps in one call on its inputs in, step k
// on the batch batchAt(k, in) gives. Several steps run in a While loop whose
// body is compiled once, or unrolled with Config.Loop "unroll".
func (p *Program) trainSteps(steps, batch int, in []*Node, batchAt batchFn) (lossSum, correct *Node) {
	g := in[0].Graph()
	if steps > 1 && p.cfg.Loop != config.LoopUnroll {
		return p.whileSteps(g, steps, batch, in, batchAt)
	}
	lossSum = ScalarZero(g, dtypes.Float32)
	correct = ScalarZero(g, dtypes.Float32)
	for k := range steps {
		x, y := batchAt(Const(g, int32(k)), in)
		l, c := p.step(x, y, batch)
		lossSum, correct = Add(lossSum, l), Add(correct, c)
	}
	return lossSum, correct
}

// whileSteps is trainSteps as a While loop. Its state is the step counter,
// the two sums, every variable the step reads or writes (weights,
// optimizer moments, global step, learning rate) and the call's inputs,
// passed through unchanged.
//
// XLA builds each closure as a function of its own: the body and the
// condition use only their parameters and what they compute, never a node
// of the main function (the Go backend would accept it, go-xla's builder
// refuses most such uses, and XLA's computations are isolated), so the
// inputs are loop state rather than captured.
func (p *Program) whileSteps(g *Graph, steps, batch int, in []*Node, batchAt batchFn) (lossSum, correct *Node) {
	if p.breakWhile {
		panic(errors.New("test: this backend refuses While loops"))
	}
	vars, err := p.stepVariables(batch)
	if err != nil {
		panic(err)
	}
	initial := make([]*Node, len(vars))
	for i, v := range vars {
		initial[i] = v.NodeValue(g)
	}
	// Const, not ScalarZero: GoMLX caches scalars per graph, not per
	// function, so a cached scalar of the main function would be handed to
	// the loop body, which XLA refuses (the Go backend lets it through).
	state := append([]*Node{Const(g, int32(0)), Const(g, float32(0)), Const(g, float32(0))}, initial...)
	state = append(state, in...)
	nVars := len(vars)
	parameters := func(g *Graph) []*Node {
		params := make([]*Node, len(state))
		for i, s := range state {
			params[i] = Parameter(g, fmt.Sprintf("state%d", i), s.Shape())
		}
		return params
	}
	cond := NewClosure(g, func(g *Graph) []*Node {
		return []*Node{LessThan(parameters(g)[0], Const(g, int32(steps)))}
	})
	changed := make([]bool, len(vars))
	body := NewClosure(g, func(g *Graph) []*Node {
		params := parameters(g)
		for i, v := range vars {
			v.SetNodeValue(params[3+i])
		}
		inputs := params[3+nVars:]
		x, y := batchAt(params[0], inputs)
		l, c := p.step(x, y, batch)
		next := []*Node{AddScalar(params[0], 1), Add(params[1], l), Add(params[2], c)}
		for i, v := range vars {
			value := v.NodeValue(g)
			changed[i] = value != params[3+i]
			next = append(next, value)
		}
		return append(next, inputs...)
	})
	final := While(cond, body, state...)
	for i, v := range vars {
		if changed[i] {
			v.SetNodeValue(final[3+i])
		} else {
			v.SetNodeValue(initial[i]) // read only: not an output of the call
		}
	}
	return final[1], final[2]
}

// stepVariables returns every variable a training step on batch examples
// reads or writes, creating those that do not exist yet (layers and
// optimizers create theirs when first built). It builds the step in a
// throwaway graph over the same store, so that nothing of it belongs to the
// graph being built: a While loop's body may use only its own values.
func (p *Program) stepVariables(batch int) (vars []*model.Variable, err error) {
	probe := NewGraph(p.backend, "step-variables")
	defer probe.Finalize()
	model.SetStore(probe, p.store)
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("find the training step's variables: %v", r)
		}
	}()
	x := Parameter(probe, "x", shapes.Make(dtypes.Uint8, batch, p.cfg.Model.Inputs))
	y := Parameter(probe, "y", shapes.Make(dtypes.Int32, batch))
	p.step(x, y, batch)
	for v := range p.store.IterVariables() {
		if v.InUseByGraph(probe) {
			vars = append(vars, v)
		}
	}
	return vars, nil
}

// step builds one training step on the batch x [batch, inputs] uint8,
// y [batch] int32: it updates the variables and returns the batch's summed
// loss and correct count, measured before the update. With Config.Shards
// above 1 the batch's forward and backward passes are split into shards
// (shardedLoss) and the optimizer applied once to their summed gradients.
func (p *Program) step(x, y *Node, batch int) (lossSum, correct *Node) {
	// GoMLX forbids entering a sub-scope twice from one Scope, so each step
	// starts from a fresh root scope over the same store: it reads the
	// variable values the previous step produced.
	scope := p.store.RootScope()
	g := x.Graph()
	p.scheduleLR(scope, g)
	scale := 1.0 // the objective is scale·loss
	if models.SumsOverBatch(p.model) {
		scale = float64(batch)
	}
	// The gradients come from GoMLX's autodiff, inside the optimizer's
	// UpdateGraph (the models give it their dense layers' products in a
	// faster layout: models/dense.go).
	if shards := p.shardsOf(batch); shards > 1 {
		var objective *Node
		objective, lossSum, correct = p.shardedLoss(x, y, batch, shards, scale)
		p.opt.UpdateGraph(scope, g, objective)
		if p.cfg.Average {
			p.updateAverages(scope, g)
		}
		return lossSum, correct
	}
	// One shard: the step as it was before shards, node for node, so that
	// Config.Shards 1 trains bit for bit as before.
	scores := p.scores(scope, x)
	loss := p.model.Loss(scores, y)
	p.opt.UpdateGraph(scope, g, MulScalar(loss, scale))
	if p.cfg.Average {
		p.updateAverages(scope, g)
	}
	return MulScalar(StopGradient(loss), float64(batch)), countCorrect(scores, y)
}

// evalGraph returns the summed loss and correct count of one batch, with
// the averaged weights under Config.Average.
func (p *Program) evalGraph(scope *model.Scope, x, y *Node) (lossSum, correct *Node) {
	scores := p.scores(p.predictScope(scope), x)
	loss := p.model.Loss(scores, y)
	return MulScalar(loss, float64(x.Shape().Dimensions[0])), countCorrect(scores, y)
}

func countCorrect(scores, labels *Node) *Node {
	hits := Equal(models.Predict(scores), labels)
	return ReduceAllSum(ConvertDType(hits, dtypes.Float32))
}
