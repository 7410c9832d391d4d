package train

import (
	"fmt"
	"path"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph code reads better dot-imported, as in GoMLX.
	"github.com/gomlx/gomlx/ml/train/optimizer"
	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train/config"
)

// groupStep builds a group's training step: one step of each of its
// members (trials), side by side, on the state every member's program
// holds (GoMLX's variables) stacked on a leading trial axis.
//
// Why not GoMLX's optimizers: they read one scalar learning rate and keep
// one step counter per store, while a group's members each have their
// own rate, schedule, weight decay, momentum and step. The updates below
// are the ones the members' own programs make (newOptimizer, scheduleLR),
// written element-wise over the trial axis, operation for operation, so
// that a member trains as it would alone up to the rounding of the
// batched products. Gradients come from GoMLX's autodiff, as everywhere.
type groupStep struct {
	model  models.Model
	names  []string // the state's variables (their store paths), in input order
	trials []config.Config
	// per trial: the run's steps (the cosine schedule's length) and its
	// warm-up steps, as the member's program counts them.
	totalSteps, warmupSteps []int
	sumsOverBatch           bool // the objective is the loss times the batch's rows (models.SumsOverBatch), else the loss
	resident                bool // the batches are indices into the training set the step takes (Config.DataOnDevice), else pixels and labels
}

// Paths of the state variables a step reads or writes besides the
// trainable ones (GoMLX's names).
const (
	globalStepPath = "/" + optimizer.GlobalStepVariableName
	adamScope      = "AdamOptimizer"
	adamStepPath   = "/" + adamScope + "/step"
)

var learningPath = "/" + optimizer.Scope + "/" + optimizer.ParamLearningRate

// GoMLX's Adam defaults, which newOptimizer keeps.
const adamBeta1, adamBeta2, adamEpsilon = 0.9, 0.999, 1e-7

// build returns the step's graph function over the trials split into
// chunks (consecutive members; one chunk for all of them, or one per core
// on the Go backend). Its inputs (inputShapes) are each chunk's state (in
// s.names' order, each [Tc, ...]); then, resident, the training set's
// images [N, inputs] uint8 and labels [N] int32 and each chunk's batches
// as indices into them, [Tc, batch] int32, else each chunk's pixels
// [Tc, batch, inputs] uint8 and labels [Tc, batch] int32; then, when
// masked, each chunk's mask [Tc] bool. Its outputs are each chunk's new
// state, then each chunk's summed loss and correct count per trial [Tc]
// float32, measured before the update. A trial whose mask is false keeps
// its state.
//
// Why chunks: the Go backend runs each operation but a matrix product on
// one core, and independent operations side by side; the chunks are
// independent, so each core gets one, as each gets a shard of a run
// alone (shards.go).
func (s *groupStep) build(chunks []int, masked bool) func([]*Node) []*Node {
	return func(in []*Node) []*Node {
		n := len(s.names)
		k := len(chunks)
		batches := in[k*n:] // then the masks
		var states, results []*Node
		first := 0
		for c, size := range chunks {
			sub := s.members(first, size)
			first += size
			state := in[c*n : (c+1)*n]
			var x, y *Node
			if s.resident {
				x, y = gatherTrials(batches[0], batches[1], batches[2+c])
			} else {
				x, y = batches[2*c], batches[2*c+1]
			}
			var mask *Node
			if masked {
				mask = batches[len(batches)-k+c]
			}
			next, loss, hits := sub.chunk(state, x, y, mask)
			states = append(states, next...)
			results = append(results, loss, hits)
		}
		return append(states, results...)
	}
}

// inputShapes is the shapes of build's inputs: for chunks, a trial's state
// (in s.names' order, without the trial axis), a training set of examples
// examples (when resident) and batches of rows.
func (s *groupStep) inputShapes(chunks []int, state []shapes.Shape, examples, rows int, masked bool) []shapes.Shape {
	var in []shapes.Shape
	for _, size := range chunks {
		for _, t := range state {
			in = append(in, shapes.Make(t.DType, append([]int{size}, t.Dimensions...)...))
		}
	}
	inputs := s.model.Spec().Inputs
	if s.resident {
		in = append(in, shapes.Make(dtypes.Uint8, examples, inputs), shapes.Make(dtypes.Int32, examples))
	}
	for _, size := range chunks {
		if s.resident {
			in = append(in, shapes.Make(dtypes.Int32, size, rows))
		} else {
			in = append(in, shapes.Make(dtypes.Uint8, size, rows, inputs), shapes.Make(dtypes.Int32, size, rows))
		}
	}
	if masked {
		for _, size := range chunks {
			in = append(in, shapes.Make(dtypes.Bool, size))
		}
	}
	return in
}

// gatherTrials is each trial's batch, x [T, batch, inputs] uint8 and
// y [T, batch] int32, gathered from the training set's images and labels
// by its indices idx [T, batch]: the examples the trial's own pipeline
// chose, in its order.
func gatherTrials(images, labels, idx *Node) (x, y *Node) {
	trials, batch := idx.Shape().Dimensions[0], idx.Shape().Dimensions[1]
	at := Reshape(idx, trials*batch, 1)
	x = Reshape(Gather(images, at), trials, batch, images.Shape().Dimensions[1])
	y = Reshape(Gather(labels, at), trials, batch)
	return x, y
}

// members is the step of members first .. first+size-1.
func (s *groupStep) members(first, size int) *groupStep {
	sub := *s
	sub.trials = s.trials[first : first+size]
	sub.totalSteps = s.totalSteps[first : first+size]
	sub.warmupSteps = s.warmupSteps[first : first+size]
	return &sub
}

// chunk builds the step of s's members on their state (in s.names'
// order), batch x, y and mask (nil: every member steps).
func (s *groupStep) chunk(in []*Node, x, y, mask *Node) (out []*Node, lossSums, hitSums *Node) {
	state := map[string]*Node{}
	for i, name := range s.names {
		state[name] = in[i]
	}
	g := x.Graph()
	trials, batch := x.Shape().Dimensions[0], x.Shape().Dimensions[1]

	step := state[globalStepPath]
	lr := s.learningRates(g, ConvertDType(step, dtypes.Float32))
	params := make([]*Node, 0)
	for _, p := range paramNames(s.model) {
		params = append(params, state[p])
	}
	scores := models.TrialScores(s.model, params, pixels(x))
	var objective *Node
	lossSum := make([]*Node, trials)
	hits := make([]*Node, trials)
	for t := range trials {
		st := Reshape(Slice(scores, AxisElem(t)), batch, -1)
		yt := Reshape(Slice(y, AxisElem(t)), batch)
		loss := s.model.Loss(st, yt)
		term := loss
		if s.sumsOverBatch {
			term = MulScalar(loss, float64(batch)) // this call's rows: an epoch's last batch may be smaller
		} else {
			term = MulScalar(loss, 1) // as a run alone's step writes it
		}
		if t == 0 {
			objective = term
		} else {
			objective = Add(objective, term)
		}
		lossSum[t] = Reshape(MulScalar(StopGradient(loss), float64(batch)), 1)
		hits[t] = Reshape(countCorrect(StopGradient(st), yt), 1)
	}
	grads := Gradient(objective, params...)

	next := map[string]*Node{globalStepPath: AddScalar(step, 1), learningPath: lr}
	s.update(g, state, next, paramNames(s.model), grads, lr)
	if s.trials[0].Average {
		s.average(state, next, paramNames(s.model))
	}
	out = make([]*Node, 0, len(s.names))
	for _, name := range s.names {
		v, ok := next[name]
		if !ok {
			panic(fmt.Sprintf("train: the group step does not update %s", name))
		}
		if mask != nil {
			v = Where(mask, v, state[name]) // a [Tc] condition selects whole trials
		}
		out = append(out, v)
	}
	return out, Concatenate(lossSum, 0), Concatenate(hits, 0)
}

// learningRates is each trial's rate at its step (the global steps done
// before this one), [T] float32: scheduledRates of the members.
func (s *groupStep) learningRates(g *Graph, step *Node) *Node {
	runs := make([]rateSchedule, len(s.trials))
	for t, c := range s.trials {
		runs[t] = rateSchedule{lr: c.LR, cosine: c.Schedule == "cosine", warmup: s.warmupSteps[t], total: s.totalSteps[t]}
	}
	return scheduledRates(g, step, runs)
}

// update writes into next each trainable parameter's new value and its
// optimizer state, for the members' optimizer (one per group: GroupKey).
func (s *groupStep) update(g *Graph, state, next map[string]*Node, params []string, grads []*Node, lr *Node) {
	c := s.trials[0]
	switch {
	case c.Optimizer == "sgd" && c.Momentum == 0:
		for i, p := range params {
			lrp := broadcastTrials(lr, grads[i].Rank())
			next[p] = Sub(state[p], Mul(grads[i], lrp))
		}
	case c.Optimizer == "sgd":
		momentum := Const(g, s.each(func(c config.Config) float64 { return c.Momentum }))
		for i, p := range params {
			name := velocityPath(p)
			velocity := Add(Mul(state[name], broadcastTrials(momentum, grads[i].Rank())), grads[i])
			next[name] = velocity
			next[p] = Sub(state[p], Mul(broadcastTrials(lr, grads[i].Rank()), velocity))
		}
	default:
		s.adam(g, state, next, params, grads, lr)
	}
}

// adam is GoMLX's Adam (optimizer.Adam, the form newOptimizer makes) on a
// trial axis: each trial's own step count, rate and weight decay.
func (s *groupStep) adam(g *Graph, state, next map[string]*Node, params []string, grads []*Node, lr *Node) {
	adamStep := AddScalar(state[adamStepPath], 1)
	next[adamStepPath] = adamStep
	beta1, beta2 := Const(g, float32(adamBeta1)), Const(g, float32(adamBeta2))
	debias1 := Reciprocal(OneMinus(Pow(beta1, adamStep)))
	debias2 := Reciprocal(OneMinus(Pow(beta2, adamStep)))
	epsilon := Const(g, float32(adamEpsilon))
	decays := s.each(adamWeightDecay)
	decay := Const(g, decays)
	anyDecay := false
	decayed := make([]bool, len(decays))
	for t, d := range decays {
		decayed[t] = d > 0
		anyDecay = anyDecay || d > 0
	}
	for i, p := range params {
		rank := grads[i].Rank()
		first, second := adamPath(p+"_1st_moment"), adamPath(p+"_2nd_moment")
		m1 := Add(Mul(beta1, state[first]), Mul(OneMinus(beta1), grads[i]))
		m2 := Add(Mul(beta2, state[second]), Mul(OneMinus(beta2), Square(grads[i])))
		next[first], next[second] = m1, m2
		lrp := broadcastTrials(lr, rank)
		direction := Div(Mul(lrp, Mul(m1, broadcastTrials(debias1, rank))), Add(Sqrt(Mul(m2, broadcastTrials(debias2, rank))), epsilon))
		if anyDecay {
			withDecay := Add(direction, Mul(lrp, Mul(state[p], broadcastTrials(decay, rank))))
			direction = Where(Const(g, decayed), withDecay, direction) // a [T] condition selects whole trials
		}
		next[p] = Sub(state[p], direction)
	}
}

// average is updateAverages per member: each averaged copy moves by
// (w - avg)/t, w the weights this step leaves and t the member's global
// step after it.
func (s *groupStep) average(state, next map[string]*Node, params []string) {
	t := ConvertDType(next[globalStepPath], dtypes.Float32)
	for _, p := range params {
		name := averagedPath(p)
		avg, w := state[name], next[p]
		next[name] = Add(avg, Div(Sub(w, avg), ConvertDType(broadcastTrials(t, w.Rank()), w.DType())))
	}
}

// averagedPath is where updateAverages keeps the running average of the
// variable at path p.
func averagedPath(p string) string { return "/" + models.AveragedScope + p }

// adamWeightDecay is the weight decay newOptimizer gives c's Adam.
func adamWeightDecay(c config.Config) float64 {
	if c.Optimizer == "adamw" && c.WeightDecay == 0 {
		return 0.01 // PyTorch's AdamW default, as newOptimizer
	}
	return c.WeightDecay
}

// each is f of every trial, as float32 values for a constant.
func (s *groupStep) each(f func(config.Config) float64) []float32 {
	v := make([]float32, len(s.trials))
	for t, c := range s.trials {
		v[t] = float32(f(c))
	}
	return v
}

// adamPath is where GoMLX's Adam keeps a moment of the variable at path.
func adamPath(p string) string { return "/" + adamScope + p }

// velocityPath is where sgdMomentum keeps the velocity of the variable at
// path p.
func velocityPath(p string) string {
	return velocityScope(path.Dir(p)) + "/" + path.Base(p) + velocitySuffix
}

// broadcastTrials reshapes v [T] to [T, 1, ...] of rank rank, to
// broadcast over a trial's values.
func broadcastTrials(v *Node, rank int) *Node {
	if rank <= 1 {
		return v
	}
	dims := make([]int, rank)
	dims[0] = v.Shape().Dimensions[0]
	for i := 1; i < rank; i++ {
		dims[i] = 1
	}
	return Reshape(v, dims...)
}
