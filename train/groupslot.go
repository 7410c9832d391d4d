package train

import (
	"context"
	"fmt"
	"slices"

	"github.com/gomlx/gomlx/core/tensors"
	gtrain "github.com/gomlx/gomlx/ml/train"
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
		err = p.compile(rows)
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
		t, err := g.prog.trialState(s.index, i)
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
