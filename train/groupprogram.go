package train

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"
	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train/backend"
)

// groupProgram is a group's compiled step and the state it trains: every
// member's variables, stacked on a leading trial axis, chunk by chunk
// (groupStep.build), and, where the members keep their data on the
// device (Config.DataOnDevice), the training set their batches are
// gathered from: each step then sends only the members' indices.
type groupProgram struct {
	step           *groupStep
	full, masked   *graph.Exec
	chunks         []int               // members per chunk, in member order
	state          [][]*tensors.Tensor // per chunk, in step.names' order
	images, labels *tensors.Tensor     // the training set, resident; nil: batches of pixels
}

// where is the chunk of member i and its row there.
func (p *groupProgram) where(i int) (chunk, row int) {
	for c, size := range p.chunks {
		if i < size {
			return c, i
		}
		i -= size
	}
	panic(fmt.Sprintf("train: member %d is in no chunk of %v", i, p.chunks))
}

// newGroupProgram stacks the members' variables (each member's store,
// fresh or resumed) into the group's state and prepares its step.
func newGroupProgram(g *Group) (*groupProgram, error) {
	programs := make([]*Program, len(g.slots))
	for i, s := range g.slots {
		programs[i] = s.prog
	}
	step := newGroupStep(programs)
	p := &groupProgram{step: step, chunks: groupChunks(g, len(programs))}
	if step.resident {
		p.images, p.labels = residentSet(g.set)
	}
	first := 0
	for _, size := range p.chunks {
		var state []*tensors.Tensor
		for _, name := range step.names {
			stacked, err := stackVariable(g.slots[first:first+size], name)
			if err != nil {
				p.state = append(p.state, state)
				p.free()
				return nil, err
			}
			state = append(state, stacked)
		}
		p.state = append(p.state, state)
		first += size
	}
	var err error
	if p.full, err = graph.NewExec(g.b, step.build(p.chunks, false)); err == nil {
		p.masked, err = graph.NewExec(g.b, step.build(p.chunks, true))
	}
	if err != nil {
		p.free()
		return nil, fmt.Errorf("prepare the group's step: %w", err)
	}
	return p, nil
}

// groupChunks splits n members into chunks of consecutive members: one per
// core the Go backend runs them on (backend.ShardCores; its worker pool
// readied as for shards), one on XLA, which parallelizes each operation
// itself.
func groupChunks(g *Group, n int) []int {
	k := max(1, min(n, backend.ShardCores(g.name)))
	if k > 1 && backend.PrepareShards(g.b, g.name, k) != nil {
		k = 1 // a worker pool bounded by an option: one chain of operations
	}
	return shardRows(n, k)
}

// newGroupStep is the step of the members' programs, whose variables
// exist (a compiled program's).
func newGroupStep(programs []*Program) *groupStep {
	first := programs[0]
	var names []string
	for v := range first.store.IterVariables() {
		if v.Trainable || v.Path() == globalStepPath || v.Path() == learningPath || isOptimizerState(v.Path()) ||
			strings.HasPrefix(v.Path(), "/"+models.AveragedScope+"/") {
			names = append(names, v.Path())
		}
	}
	step := &groupStep{model: first.model, names: names, sumsOverBatch: models.SumsOverBatch(first.model), resident: first.cfg.DataOnDevice}
	for _, p := range programs {
		step.trials = append(step.trials, p.cfg)
		step.totalSteps = append(step.totalSteps, p.totalSteps)
		step.warmupSteps = append(step.warmupSteps, p.warmupSteps)
	}
	return step
}

// isOptimizerState reports whether path is a variable of the optimizers
// newOptimizer makes (Adam's moments and step, SGD's velocities).
func isOptimizerState(path string) bool {
	return strings.HasPrefix(path, "/"+adamScope+"/") || strings.HasPrefix(path, "/"+optimizer.Scope+"/"+momentumScope+"/")
}

// inputShapes is the step's inputs for batches of rows examples.
func (p *groupProgram) inputShapes(rows int, masked bool) []shapes.Shape {
	var trial []shapes.Shape
	for _, t := range p.state[0] {
		s := t.Shape()
		trial = append(trial, shapes.Make(s.DType, s.Dimensions[1:]...))
	}
	examples := 0
	if p.labels != nil {
		examples = p.labels.Shape().Dimensions[0]
	}
	return p.step.inputShapes(p.chunks, trial, examples, rows, masked)
}

// compile compiles the step for batches of rows examples.
func (p *groupProgram) compile(rows int) error {
	if _, err := p.full.Compile(p.inputShapes(rows, false)...); err != nil {
		return fmt.Errorf("compile the group's step: %w", err)
	}
	return nil
}

// stepResult is one member's part of a step.
type stepResult struct {
	slot       *groupSlot
	loss, hits float64
	err        error
}

// run runs one step of the members in (whose batches have rows rows, of
// a group of members members); the others keep their state. It runs
// without the group's lock: only the step touches the state and the
// batches handed in meanwhile.
func (p *groupProgram) run(members int, in []*groupSlot, rows int) []stepResult {
	masked := len(in) < members
	batches := make([][]*tensors.Tensor, len(p.chunks)) // per chunk: indices, or pixels and labels
	masks := make([][]bool, len(p.chunks))
	for c, size := range p.chunks {
		if p.step.resident {
			batches[c] = []*tensors.Tensor{tensors.FromShape(shapes.Make(dtypes.Int32, size, rows))}
		} else {
			batches[c] = []*tensors.Tensor{tensors.FromShape(shapes.Make(dtypes.Uint8, size, rows, p.step.model.Spec().Inputs)),
				tensors.FromShape(shapes.Make(dtypes.Int32, size, rows))}
		}
		masks[c] = make([]bool, size)
	}
	err := p.stackBatches(batches, in, masks)
	var out []*tensors.Tensor
	if err == nil {
		var args []any
		for _, state := range p.state {
			for _, t := range state {
				args = append(args, t)
			}
		}
		if p.step.resident {
			args = append(args, p.images, p.labels)
		}
		for _, batch := range batches {
			for _, t := range batch {
				args = append(args, t)
			}
		}
		exec := p.full
		if masked {
			exec = p.masked
			for _, m := range masks {
				args = append(args, tensors.FromValue(m))
			}
		}
		out, err = callGroup(exec, args)
	}
	for _, batch := range batches {
		for _, t := range batch {
			_ = t.FinalizeAll()
		}
	}
	var losses, hits [][]float32
	if err == nil {
		n, k := len(p.step.names), len(p.chunks)
		for c := range p.chunks {
			for i := range p.state[c] {
				_ = p.state[c][i].FinalizeAll()
				p.state[c][i] = out[c*n+i]
			}
			losses = append(losses, tensors.MustCopyFlatData[float32](out[k*n+2*c]))
			hits = append(hits, tensors.MustCopyFlatData[float32](out[k*n+2*c+1]))
		}
	}
	results := make([]stepResult, len(in))
	for i, s := range in {
		results[i] = stepResult{slot: s, err: err}
		if err == nil {
			c, r := p.where(s.index)
			results[i].loss, results[i].hits = float64(losses[c][r]), float64(hits[c][r])
		}
	}
	return results
}

// callGroup runs exec on args, turning a panic into an error.
func callGroup(exec *graph.Exec, args []any) (out []*tensors.Tensor, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("group step: %v", r)
		}
	}()
	return exec.Call(args...)
}

// stackBatches copies each member's batch (its examples' indices, or
// pixels and labels) into its row of its chunk's and marks it in the
// chunk's mask; the other rows stay zero (the first example, or blank
// images, whose results are dropped).
func (p *groupProgram) stackBatches(batches [][]*tensors.Tensor, in []*groupSlot, masks [][]bool) error {
	for _, s := range in {
		c, r := p.where(s.index)
		masks[c][r] = true
		for i, t := range s.batch {
			if err := copyInto(batches[c][i], r, t); err != nil {
				return err
			}
		}
	}
	return nil
}

// trialState is member i's value of the state variable at index v.
func (p *groupProgram) trialState(i, v int) (*tensors.Tensor, error) {
	c, r := p.where(i)
	return trialOf(p.state[c][v], r)
}

// free releases the group's state and data.
func (p *groupProgram) free() {
	for _, state := range p.state {
		for _, t := range state {
			_ = t.FinalizeAll()
		}
	}
	p.state = nil
	for _, t := range []*tensors.Tensor{p.images, p.labels} {
		if t != nil {
			_ = t.FinalizeAll()
		}
	}
	p.images, p.labels = nil, nil
}

// stackVariable is the variable at name of every member of slots, stacked.
func stackVariable(slots []*groupSlot, name string) (*tensors.Tensor, error) {
	var stacked *tensors.Tensor
	for i, s := range slots {
		v := storeByPath(s.prog.store)[name]
		if v == nil {
			return nil, fmt.Errorf("group: member %d has no variable %s", i, name)
		}
		value, err := v.Value()
		if err != nil {
			return nil, fmt.Errorf("group: %s: %w", name, err)
		}
		if stacked == nil {
			shape := value.Shape()
			stacked = tensors.FromShape(shapes.Make(shape.DType, append([]int{len(slots)}, shape.Dimensions...)...))
		} else if !slices.Equal(value.Shape().Dimensions, stacked.Shape().Dimensions[1:]) || value.Shape().DType != stacked.Shape().DType {
			_ = stacked.FinalizeAll()
			return nil, fmt.Errorf("group: member %d's %s is %s, another's %s", i, name, value.Shape(), stacked.Shape())
		}
		if err := copyInto(stacked, i, value); err != nil {
			_ = stacked.FinalizeAll()
			return nil, err
		}
	}
	return stacked, nil
}

// copyInto copies src into row i of dst's leading axis.
func copyInto(dst *tensors.Tensor, i int, src *tensors.Tensor) error {
	var err error
	if e := src.ConstBytes(func(from []byte) {
		err = dst.MutableBytes(func(to []byte) {
			copy(to[i*len(from):(i+1)*len(from)], from)
		})
	}); e != nil {
		return e
	}
	return err
}

// trialOf returns row i of t's leading axis as a tensor of its own.
func trialOf(t *tensors.Tensor, i int) (*tensors.Tensor, error) {
	shape := t.Shape()
	one := tensors.FromShape(shapes.Make(shape.DType, shape.Dimensions[1:]...))
	var err error
	if e := t.ConstBytes(func(from []byte) {
		err = one.MutableBytes(func(to []byte) {
			copy(to, from[i*len(to):(i+1)*len(to)])
		})
	}); e != nil {
		return nil, e
	}
	return one, err
}

// storeByPath indexes a store's variables by path.
func storeByPath(store *model.Store) map[string]*model.Variable {
	vars := map[string]*model.Variable{}
	for v := range store.IterVariables() {
		vars[v.Path()] = v
	}
	return vars
}
