package train

import (
	"fmt"
	"time"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/tensors"
)

// CompileTiming says where Compile's time went, so that a run reports
// each part apart and its first epoch costs what the others cost.
type CompileTiming struct {
	// Compile is building and compiling every training call shape and
	// the evaluation call.
	Compile time.Duration
	// Init is giving the variables their initial values. GoMLX builds,
	// compiles and runs a program for it, and would otherwise do so inside
	// the first training call (measured on an H200: that first epoch took
	// about 0.85 s longer than the others). A resumed program loads its
	// variables instead, so this is near zero.
	Init time.Duration
	// Warmup is the first-use costs paid before the first timed call: the
	// resident dataset sent to the device, and one evaluation call on a
	// batch of zeros, whose result is discarded (it changes no variable).
	// The training call is not warmed: a call updates the variables.
	Warmup time.Duration
}

// Timing is where Compile's time went.
func (p *Program) Timing() CompileTiming { return p.timing }

// initialize gives every variable that has no value yet (all of them, or
// those a resumed checkpoint did not hold) its initial value now, rather
// than in the first training call.
func (p *Program) initialize() error {
	if err := p.store.InitializeVariables(p.backend, nil); err != nil {
		return fmt.Errorf("initialize the variables: %w", err)
	}
	return nil
}

// warmUp pays the first-use costs that need no variable to change: the
// resident dataset goes to the device (where every training call reads
// it), and the evaluation call runs once on zeros.
func (p *Program) warmUp() error {
	if p.residentX != nil {
		for _, t := range []*tensors.Tensor{p.residentX, p.residentY} {
			if _, err := t.Buffer(p.backend, 0); err != nil {
				return fmt.Errorf("send the dataset to the device: %w", err)
			}
		}
	}
	if p.shared != nil {
		if err := p.shared.warmUp(p); err != nil {
			return fmt.Errorf("warm up the eval call: %w", err)
		}
		return nil
	}
	inputs := p.model.Spec().Inputs
	x := tensors.FromShape(shapes.Make(dtypes.Uint8, EvalBatchSize, inputs)) // zeros
	y := tensors.FromShape(shapes.Make(dtypes.Int32, EvalBatchSize))
	if _, _, err := run(p.evalExec, x, y); err != nil {
		return fmt.Errorf("warm up the eval call: %w", err)
	}
	return nil
}
