package train

import (
	"github.com/neurona/neurona/train/backend"
	"github.com/neurona/neurona/train/config"
)

// unrollAuto is the automatic steps per call of an unrolled loop on an
// accelerator: compile time grows with every unrolled step while speed
// plateaus (docs/performance.md, "GPU (H200)").
const unrollAuto = 16

// AutoStepsPerCall is the steps per call used when c.StepsPerCall is 0, for
// the backend named and an epoch of stepsPerEpoch full batches. On the Go
// backend the device is the host, so calls cost little: one step per call.
// Several steps in one call pick each step's rows out of the call's with a
// Gather, which on the Go backend costs more than the calls it saves
// (docs/performance.md, "One step per call on the Go backend"). On an
// accelerator every call costs host round trips and launches that dwarf a
// step's arithmetic, so one call runs a whole epoch (as JAX's lax.scan
// recipe does), or unrollAuto steps with LoopUnroll.
func AutoStepsPerCall(c config.Config, backendName string, stepsPerEpoch int) int {
	switch {
	case backend.IsGo(backendName):
		return 1
	case c.Loop == config.LoopUnroll:
		return max(1, min(unrollAuto, stepsPerEpoch))
	default:
		return max(1, stepsPerEpoch)
	}
}
