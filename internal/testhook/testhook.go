// Package testhook holds hooks that tests of one package set to reach into
// another (e.g. a CLI test making a training call hang in a subprocess).
// Nothing outside tests sets them; their zero values change nothing.
package testhook

// HangCall, when set, is asked before each compiled training or evaluation
// call of a run's loop with the call's kind ("train" or "eval"); when it
// returns true, the call blocks forever instead of running, as a call that
// deadlocks in the backend does.
var HangCall func(kind string) bool

// RefuseWhile, when true, makes building the While loop of a training call
// fail, as on a backend without one: package train/bench's tests of the
// fallback to unrolled steps set it (train's own tests use Options).
var RefuseWhile bool

// Reached, when set, is called at named points of a run where a crash test
// may stop it, in the order the run reaches them: "step N" after the
// training call that ends at global step N, the stages of a checkpoint
// save ("save ckpt-000000012: temporary folder made", "... meta.json
// written", "... renamed"), of pruning and of cleaning interrupted saves.
// A test's child process reports each point, and pauses at the one its
// parent kills it at, so that a kill lands exactly there.
var Reached func(point string)

// Reach calls Reached, if set, with point.
func Reach(point string) {
	if Reached != nil {
		Reached(point)
	}
}
