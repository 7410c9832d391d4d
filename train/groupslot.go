package train

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/gomlx/gomlx/core/tensors"
	gtrain "github.com/gomlx/gomlx/ml/train"
)

// groupSlot is one member of a Group: its program (whose store holds the
// member's variables, brought up to date from the group's state when the
// member reads them: pull) and the batch it handed in: the indices of its
// examples in the group's training set where the data is on the device,
// else their pixels and labels.
type groupSlot struct {
	group *Group
	ctx   context.Context
	index int // in group.slots; -1 before the member compiled its program
	prog  *Program

	batch     []*tensors.Tensor // the batch handed in (indices; or pixels and labels), until the step takes it
	submitted bool              // a batch is handed in, its results not given back yet
	taken     bool              // the running step has the batch: it can no longer be withdrawn
	left      bool
	dirty     bool // the group's state is newer than the member's store

	loss, hits float64
	err        error
}

// groupOf is the member's group; nil for a run alone (s nil).
func (s *groupSlot) groupOf() *Group {
	if s == nil {
		return nil
	}
	return s.group
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
		// that it is timed as compilation, not inside the first epoch
		// (seconds on a GPU).
		g.prepare(g.callRows()...)
	}
	g.cond.Broadcast() // members waiting in ready
}

// callRows is every batch size the members' epochs hold (a smaller last
// batch is another shape): the step's shapes to compile. Called with g.mu
// held.
func (g *Group) callRows() []int {
	var rows []int
	for _, s := range g.slots {
		for _, r := range s.prog.batches.CallRows() {
			if !slices.Contains(rows, r) {
				rows = append(rows, r)
			}
		}
	}
	return rows
}

// ready waits until every member has compiled its program (or left) and
// the group's step is compiled, and returns the error of compiling it. A
// member's training calls run under its watchdog, whose deadline is for
// the call itself: the first one must not also wait for the others to
// compile (64 members on a GPU take more than a watchdog's minute).
func (s *groupSlot) ready() error {
	g := s.group
	defer s.wakeOnCancel()()
	g.mu.Lock()
	defer g.mu.Unlock()
	for len(g.slots)+g.departed < g.n {
		if err := s.ctx.Err(); err != nil {
			return err
		}
		g.cond.Wait()
	}
	if g.prog == nil && g.progErr == nil && !g.ended {
		g.prepare(g.callRows()...) // the last to arrive left instead of joining
	}
	return g.progErr
}

// prepare makes the group's program and compiles its step for batches of
// each of rows examples; an error is kept for the first step to report.
// Called with g.mu held.
func (g *Group) prepare(rows ...int) {
	if g.prog != nil || g.progErr != nil {
		return
	}
	p, err := newGroupProgram(g)
	for _, r := range rows {
		if err == nil {
			err = p.compile(r)
		}
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
	if !s.taken { // else the running step frees it
		s.submitted = false
		s.releaseBatch()
	}
	g.stepIfReady()
	g.endIfDone()
	g.cond.Broadcast()
}

// endIfDone frees the group's state and data once every member has left
// and no step runs: on a device they would hold its memory until the
// garbage collector frees them. Called with g.mu held.
func (g *Group) endIfDone() {
	if g.running || len(g.slots)+g.departed < g.n {
		return
	}
	for _, s := range g.slots {
		if !s.left {
			return
		}
	}
	g.ended = true
	if g.shared != nil {
		g.shared.free()
	}
	if g.prog != nil {
		g.prog.free()
		g.prog = nil
	}
}

// wakeOnCancel wakes the group's waiters when the member's context is
// cancelled, so that a member waiting on the group sees it; the returned
// function stops that.
func (s *groupSlot) wakeOnCancel() (stop func() bool) {
	g := s.group
	return context.AfterFunc(s.ctx, func() {
		g.mu.Lock()
		defer g.mu.Unlock()
		g.cond.Broadcast()
	})
}

// train hands in the member's batch and waits for the group's step to
// run it, returning the batch's summed loss and correct count.
func (s *groupSlot) train(b gtrain.Batch) (lossSum, correct float64, err error) {
	g := s.group
	defer s.wakeOnCancel()()
	g.mu.Lock()
	defer g.mu.Unlock()
	s.batch, s.submitted, s.err = append(b.Inputs[:1:1], b.Labels...), true, nil
	g.stepIfReady()
	for s.submitted {
		if s.ctx.Err() != nil && !s.taken {
			s.submitted = false
			s.releaseBatch()
			g.cond.Broadcast()
			return 0, 0, errWithdrawn
		}
		g.cond.Wait()
	}
	return s.loss, s.hits, s.err
}

// rows is the examples in the batch handed in.
func (s *groupSlot) rows() int { return s.batch[0].Shape().Dimensions[0] }

func (s *groupSlot) releaseBatch() {
	for _, t := range s.batch {
		_ = t.FinalizeAll()
	}
	s.batch = nil
}

// pull brings the member's store up to date with the group's state.
func (s *groupSlot) pull() error {
	g := s.group
	g.mu.Lock()
	defer g.mu.Unlock()
	for g.running { // the step replaces the state it reads
		g.cond.Wait()
	}
	if s.dirty && g.ended {
		return errors.New("the group has ended: its state is gone")
	}
	if !s.dirty || g.prog == nil {
		return nil
	}
	vars := storeByPath(s.prog.store)
	for i, name := range g.prog.step.names {
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

// stepIfReady starts the group's step when every member has either
// handed in a batch or left (and at least one handed one in), and no step
// is running. Called with g.mu held. The step runs in a goroutine of its
// own, without the lock: a step that never returns (a backend that
// deadlocks) holds no member, whose watchdog abandons its call and whose
// run ends and leaves the group as alone.
func (g *Group) stepIfReady() {
	if g.running || len(g.slots)+g.departed < g.n {
		return // a step is running, or a member has not compiled its program yet
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
	if g.prog == nil {
		g.prepare(in[0].rows())
	}
	if g.progErr != nil {
		for _, s := range in {
			s.submitted, s.err = false, g.progErr
			s.releaseBatch()
		}
		g.cond.Broadcast()
		return
	}
	g.running = true
	for _, s := range in {
		s.taken = true
	}
	go g.runStep(g.prog, in, len(g.slots))
}

// runStep runs one step of p for the members in, of members in all (in
// one call per batch size: an epoch's last batch, or members resumed at
// different steps), then gives them their results and starts the next
// step if one is ready.
func (g *Group) runStep(p *groupProgram, in []*groupSlot, members int) {
	if g.hang != nil {
		<-g.hang // tests: a step that does not return until released
	}
	sizes := map[int][]*groupSlot{}
	for _, s := range in {
		rows := s.rows()
		sizes[rows] = append(sizes[rows], s)
	}
	keys := make([]int, 0, len(sizes))
	for k := range sizes {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	results := make([]stepResult, 0, len(in))
	for _, rows := range keys {
		results = append(results, p.run(members, sizes[rows], rows)...)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, r := range results {
		s := r.slot
		s.loss, s.hits, s.err = r.loss, r.hits, r.err
		s.dirty = s.dirty || r.err == nil
		s.submitted, s.taken = false, false
		s.releaseBatch()
	}
	g.running = false
	g.cond.Broadcast()
	g.stepIfReady()
	g.endIfDone()
}
