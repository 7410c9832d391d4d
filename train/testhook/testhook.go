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
