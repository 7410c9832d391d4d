package train

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// sharedCalls is the evaluation and prediction calls of a group's
// members, compiled once for all of them. On XLA each program is a
// compilation of its own (seconds on a GPU, autotuning included), which a
// group of 64 would otherwise pay 64 times for each call.
//
// The calls are a program of the members' shape whose store lends, for
// the length of a call, each member's variable values: a member evaluates
// and predicts through the very graph a run alone builds, on its own
// weights. Why lend rather than pass the weights as inputs: GoMLX's
// model.Exec binds a graph to the variables of the store it was built on,
// and building the model's graph over explicit inputs would be a second
// forward pass to keep equal to the first. Calls take turns, which a
// device does anyway; on the Go backend, where a compilation costs
// milliseconds and members' evaluations run side by side on the cores,
// each member keeps its own calls (Group.share).
type sharedCalls struct {
	mu      sync.Mutex
	prog    *Program    // the members' shape, over the lending store
	predict *model.Exec // Trained's prediction call on prog's store
	err     error       // building or compiling the calls failed
	warm    bool        // the evaluation call ran once
	builds  int         // times the calls were built (tests)
	ended   bool        // the calls are freed
	closing atomic.Bool // the group has ended: the calls are being freed, and refuse to run

	hang func() // tests: called with mu held before each evaluation call runs, as a call that does not return
}

// compile builds and compiles the calls for member p's shape, once for
// the group; later members get the first one's result.
func (c *sharedCalls) compile(p *Program) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.prog != nil || c.err != nil {
		return c.err
	}
	c.builds++
	c.err = c.build(p)
	return c.err
}

func (c *sharedCalls) build(p *Program) error {
	prog, err := newProgram(p.backend, p.cfg, p.model, 1)
	if err != nil {
		return err
	}
	// The lending store holds every variable of the members' (they all
	// have the same), with values of its own until a member lends its.
	for v := range p.store.IterVariables() {
		if prog.store.GetVariable(v.Path()) == nil {
			if _, err := prog.store.CreateVariable(v.Path(), tensors.FromShape(v.Shape())); err != nil {
				return fmt.Errorf("the group's evaluation call: %w", err)
			}
		}
	}
	inputs := p.model.Spec().Inputs
	x, y := shapes.Make(dtypes.Uint8, EvalBatchSize, inputs), shapes.Make(dtypes.Int32, EvalBatchSize)
	if _, err := prog.evalExec.Compile(x, y); err != nil {
		return fmt.Errorf("compile the group's evaluation call: %w", err)
	}
	t, err := newTrained(prog)
	if err != nil {
		return err
	}
	if _, err := t.predict.Compile(x); err != nil {
		return fmt.Errorf("compile the group's prediction call: %w", err)
	}
	c.prog, c.predict = prog, t.predict
	return nil
}

// lend gives the calls' variables the values of member's. Called with
// c.mu held.
func (c *sharedCalls) lend(member *model.Store) error {
	if c.ended || c.closing.Load() {
		return errors.New("the group has ended: its calls are freed")
	}
	if c.prog == nil {
		return errors.New("the group's calls are not compiled")
	}
	for v := range c.prog.store.IterVariables() {
		own := member.GetVariable(v.Path())
		if own == nil {
			return fmt.Errorf("the member has no variable %s", v.Path())
		}
		value, err := own.Value()
		if err != nil {
			return fmt.Errorf("read %s: %w", v.Path(), err)
		}
		// Lent, not given: the member's store keeps owning (and freeing) it.
		if err := v.SetValuePreservingOld(value); err != nil {
			return err
		}
	}
	return nil
}

// eval runs the evaluation call on member p's weights: run's contract.
func (c *sharedCalls) eval(p *Program, x, y *tensors.Tensor) (lossSum, correct float64, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.lend(p.store); err != nil {
		_, _ = x.FinalizeAll(), y.FinalizeAll()
		return 0, 0, err
	}
	if c.hang != nil {
		c.hang()
	}
	return run(c.prog.evalExec, x, y)
}

// predictCall runs the prediction call on member p's weights.
func (c *sharedCalls) predictCall(p *Program, x *tensors.Tensor) ([]*tensors.Tensor, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.lend(p.store); err != nil {
		return nil, err
	}
	return callSafely(c.predict, x)
}

// warmUp runs the evaluation call once on zeros with member p's weights
// (Program.warmUp), the first time a member asks.
func (c *sharedCalls) warmUp(p *Program) error {
	c.mu.Lock()
	warm := c.warm
	c.warm = true
	c.mu.Unlock()
	if warm {
		return nil
	}
	inputs := p.model.Spec().Inputs
	x := tensors.FromShape(shapes.Make(dtypes.Uint8, EvalBatchSize, inputs)) // zeros
	y := tensors.FromShape(shapes.Make(dtypes.Int32, EvalBatchSize))
	_, _, err := c.eval(p, x, y)
	return err
}

// free releases the compiled calls once the group has ended, without
// waiting for a call in flight: a call the watchdog abandoned may never
// return and holds c.mu for good, and free runs with the group's lock held
// (Group.endIfDone), where waiting for it hung the last member's run. The
// calls are then freed when that call returns; later calls are refused.
// The lending store is not finalized: its values are the members'.
func (c *sharedCalls) free() {
	c.closing.Store(true)
	if c.mu.TryLock() {
		c.finalize()
		return
	}
	go func() {
		c.mu.Lock()
		c.finalize()
	}()
}

// finalize frees the compiled calls and unlocks c.mu. Called with c.mu
// held.
func (c *sharedCalls) finalize() {
	defer c.mu.Unlock()
	if c.ended {
		return
	}
	c.ended = true
	if c.prog != nil {
		c.prog.evalExec.Finalize()
		c.predict.Finalize()
	}
}
