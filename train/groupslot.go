package train

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	gtrain "github.com/gomlx/gomlx/ml/train"
	"github.com/gomlx/gomlx/ml/train/optimizer"
	"github.com/neurona/neurona/models"
)

// groupSlot is one member of a Group: its program (whose store holds the
// member's variables, brought up to date from the group's state when the
// member reads them: pull) and the batch it handed in.
type groupSlot struct {
	group *Group
	ctx   context.Context
	index int // in group.slots; -1 before the member compiled its program
	prog  *Program

	x, y      *tensors.Tensor // the batch handed in, until the step takes it
	submitted bool
	left      bool
	dirty     bool // the group's state is newer than the member's store

	loss, hits float64
	err        error
}

// groupProgram is a group's compiled step and the state it trains: every
// member's variables, stacked on a leading trial axis.
type groupProgram struct {
	step         *groupStep
	full, masked *graph.Exec
	names        []string
	state        []*tensors.Tensor
	inputs       int
}

// join adds the member's compiled program to the group; its variables
// (fresh or resumed) join the group's state at the first step.
func (s *groupSlot) join(p *Program) {
	g := s.group
	g.mu.Lock()
	defer g.mu.Unlock()
	s.prog, s.index = p, len(g.slots)
	g.slots = append(g.slots, s)
	if len(g.slots)+g.departed == g.n {
		// The last member to compile compiles the group's step too, so
		// that it is timed as compilation, not as the first step.
		g.prepare(p.cfg.BatchSize)
	}
}

// prepare makes the group's program and compiles its step for batches of
// rows examples; an error is kept for the first step to report. Called
// with g.mu held.
func (g *Group) prepare(rows int) {
	if g.prog != nil || g.progErr != nil {
		return
	}
	p, err := newGroupProgram(g)
	if err == nil {
		err = p.compile(len(g.slots), rows)
	}
	if err != nil {
		if p != nil {
			p.free()
		}
		g.progErr = err
		return
	}
	g.prog = p
}

// leave takes the member out of the group's steps, for good.
func (s *groupSlot) leave() {
	g := s.group
	g.mu.Lock()
	defer g.mu.Unlock()
	if s.left {
		return
	}
	s.left = true
	if s.index < 0 {
		g.departed++
	}
	s.releaseBatch()
	g.stepIfReady()
	g.cond.Broadcast()
}

// train hands in the member's batch and waits for the group's step to
// run it, returning the batch's summed loss and correct count.
func (s *groupSlot) train(b gtrain.Batch) (lossSum, correct float64, err error) {
	g := s.group
	stop := context.AfterFunc(s.ctx, func() {
		g.mu.Lock()
		defer g.mu.Unlock()
		g.cond.Broadcast()
	})
	defer stop()
	g.mu.Lock()
	defer g.mu.Unlock()
	s.x, s.y, s.submitted, s.err = b.Inputs[0], b.Labels[0], true, nil
	g.stepIfReady()
	for s.submitted {
		if s.ctx.Err() != nil {
			s.submitted = false
			s.releaseBatch()
			g.cond.Broadcast()
			return 0, 0, errWithdrawn
		}
		g.cond.Wait()
	}
	return s.loss, s.hits, s.err
}

func (s *groupSlot) releaseBatch() {
	for _, t := range []*tensors.Tensor{s.x, s.y} {
		if t != nil {
			_ = t.FinalizeAll()
		}
	}
	s.x, s.y = nil, nil
}

// pull brings the member's store up to date with the group's state.
func (s *groupSlot) pull() error {
	g := s.group
	g.mu.Lock()
	defer g.mu.Unlock()
	if !s.dirty || g.prog == nil {
		return nil
	}
	vars := storeByPath(s.prog.store)
	for i, name := range g.prog.names {
		v := vars[name]
		t, err := trialOf(g.prog.state[i], s.index)
		if err != nil {
			return fmt.Errorf("read %s of the group: %w", name, err)
		}
		if err := v.SetValue(t); err != nil {
			return fmt.Errorf("set %s: %w", name, err)
		}
	}
	s.dirty = false
	return nil
}

// stepIfReady runs the group's step when every member has either handed
// in a batch or left (and at least one handed one in). Called with g.mu
// held; the step runs holding it, so no member reads the state meanwhile.
func (g *Group) stepIfReady() {
	if len(g.slots)+g.departed < g.n {
		return // a member has not compiled its program yet
	}
	var in []*groupSlot
	for _, s := range g.slots {
		switch {
		case s.submitted:
			in = append(in, s)
		case !s.left:
			return // still busy (evaluating, saving)
		}
	}
	if len(in) == 0 {
		return
	}
	defer g.cond.Broadcast()
	if g.prog == nil {
		g.prepare(in[0].x.Shape().Dimensions[0])
	}
	if g.progErr != nil {
		for _, s := range in {
			s.submitted, s.err = false, g.progErr
			s.releaseBatch()
		}
		return
	}
	// Members whose batches differ in size (an epoch's last batch, or
	// members resumed at different steps) run in one call per size.
	sizes := map[int][]*groupSlot{}
	for _, s := range in {
		rows := s.x.Shape().Dimensions[0]
		sizes[rows] = append(sizes[rows], s)
	}
	keys := make([]int, 0, len(sizes))
	for k := range sizes {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, rows := range keys {
		g.prog.run(g, sizes[rows], rows)
	}
}

// run runs one step of the members in (whose batches have rows rows);
// the others keep their state.
func (p *groupProgram) run(g *Group, in []*groupSlot, rows int) {
	trials := len(g.slots)
	inputs := p.step.model.Spec().Inputs
	x := tensors.FromShape(shapes.Make(dtypes.Uint8, trials, rows, inputs))
	y := tensors.FromShape(shapes.Make(dtypes.Int32, trials, rows))
	mask := make([]bool, trials)
	err := stackBatches(x, y, in, mask)
	var out []*tensors.Tensor
	if err == nil {
		args := make([]any, 0, len(p.state)+3)
		for _, t := range p.state {
			args = append(args, t)
		}
		args = append(args, x, y)
		exec := p.full
		if len(in) < trials {
			exec = p.masked
			args = append(args, tensors.FromValue(mask))
		}
		out, err = callGroup(exec, args)
	}
	_ = x.FinalizeAll()
	_ = y.FinalizeAll()
	var losses, hits []float32
	if err == nil {
		for i := range p.state {
			_ = p.state[i].FinalizeAll()
			p.state[i] = out[i]
		}
		losses, hits = tensors.MustCopyFlatData[float32](out[len(p.state)]), tensors.MustCopyFlatData[float32](out[len(p.state)+1])
	}
	for _, s := range in {
		s.submitted, s.err = false, err
		s.releaseBatch()
		if err == nil {
			s.loss, s.hits, s.dirty = float64(losses[s.index]), float64(hits[s.index]), true
		}
	}
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

// stackBatches copies each member's batch into its row of x and y and
// marks it in mask; the other rows stay zero.
func stackBatches(x, y *tensors.Tensor, in []*groupSlot, mask []bool) error {
	for _, s := range in {
		mask[s.index] = true
		if err := copyInto(x, s.index, s.x); err != nil {
			return err
		}
		if err := copyInto(y, s.index, s.y); err != nil {
			return err
		}
	}
	return nil
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

// newGroupProgram stacks the members' variables (each member's store,
// fresh or resumed) into the group's state and prepares its step.
func newGroupProgram(g *Group) (*groupProgram, error) {
	programs := make([]*Program, len(g.slots))
	for i, s := range g.slots {
		programs[i] = s.prog
	}
	step := newGroupStep(programs)
	names := step.names
	p := &groupProgram{step: step, names: names}
	for _, name := range names {
		stacked, err := stackVariable(g.slots, name)
		if err != nil {
			p.free()
			return nil, err
		}
		p.state = append(p.state, stacked)
	}
	var err error
	if p.full, err = graph.NewExec(g.b, step.build(false)); err != nil {
		p.free()
		return nil, fmt.Errorf("prepare the group's step: %w", err)
	}
	if p.masked, err = graph.NewExec(g.b, step.build(true)); err != nil {
		p.free()
		return nil, fmt.Errorf("prepare the group's step: %w", err)
	}
	return p, nil
}

// newGroupStep is the step of the members' programs, whose variables
// exist (a compiled program's).
func newGroupStep(programs []*Program) *groupStep {
	first := programs[0]
	var names []string
	for v := range first.store.IterVariables() {
		if v.Trainable || v.Path() == globalStepPath || v.Path() == learningPath || isOptimizerState(v.Path()) {
			names = append(names, v.Path())
		}
	}
	step := &groupStep{model: first.model, names: names, scale: 1}
	if models.SumsOverBatch(first.model) {
		step.scale = float64(first.cfg.BatchSize)
	}
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

// stackVariable is the variable at name of every member, stacked.
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

// compile compiles the step for trials members and batches of rows
// examples.
func (p *groupProgram) compile(trials, rows int) error {
	in := make([]shapes.Shape, 0, len(p.state)+2)
	for _, t := range p.state {
		in = append(in, t.Shape())
	}
	in = append(in, shapes.Make(dtypes.Uint8, trials, rows, p.step.model.Spec().Inputs), shapes.Make(dtypes.Int32, trials, rows))
	if _, err := p.full.Compile(in...); err != nil {
		return fmt.Errorf("compile the group's step: %w", err)
	}
	return nil
}

// free releases the group's state.
func (p *groupProgram) free() {
	for _, t := range p.state {
		_ = t.FinalizeAll()
	}
	p.state = nil
}
