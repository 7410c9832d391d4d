package train

import (
	"errors"
	"fmt"
	"math"

	"github.com/neurona/neurona/train/checkpoint"
)

// ErrDiverged marks a run stopped because training produced a non-finite
// loss or non-finite weights (a learning rate far too large, typically).
// The run keeps its last finite checkpoint and writes its summary.
var ErrDiverged = errors.New("training diverged")

// divergedError says where and how a run diverged.
type divergedError struct {
	step int    // the global step by which it was seen
	what string // "loss NaN", "validation loss +Inf", "layer_0/weights holds NaN"
}

// Error says where and how; front ends add their advice (a smaller
// learning rate).
func (e *divergedError) Error() string { return e.reason() }

// reason is the error's words, for summary.json's stopped_because.
func (e *divergedError) reason() string {
	return fmt.Sprintf("training diverged at step %d (%s)", e.step, e.what)
}

func (e *divergedError) Is(target error) bool { return target == ErrDiverged }

// finite reports whether f is neither NaN nor ±Inf.
func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// checkLoss returns a divergedError when the loss of the call that ended
// at step is not finite; steps is how many steps the call ran.
func checkLoss(name string, loss float64, step, steps int) *divergedError {
	if finite(loss) {
		return nil
	}
	what := fmt.Sprintf("%s %v", name, loss)
	if steps > 1 {
		what += fmt.Sprintf(" over steps %d-%d", step-steps+1, step)
	}
	return &divergedError{step: step, what: what}
}

// checkWeights returns a divergedError when a floating-point variable
// about to be saved holds a NaN or an infinity, so that such weights are
// never saved as a run's newest checkpoint.
func checkWeights(vars []checkpoint.Variable, step int) *divergedError {
	for _, v := range vars {
		if _, bad, found := checkpoint.FirstNonFinite(v.DType, v.Data); found {
			return &divergedError{step: step, what: fmt.Sprintf("%s holds %v", v.Path, bad)}
		}
	}
	return nil
}
