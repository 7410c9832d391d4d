// Package sweep runs hyperparameter sweeps: a grid of every combination of
// some train flags' values, or trials drawn at random from lists and
// ranges, each trained as an ordinary run folder under the sweep's folder.
//
// ParseArgs turns train flags with lists or ranges ("--lr 1e-3,3e-3",
// "--hidden 256,512x2", "--lr 1e-4:1e-2:log") into a Spec, and Spec.Plan
// into Trials, each a list of train flags. The CLI runs each trial's flags
// through `neurona train`'s own parser, so a sweep accepts exactly what
// train accepts.
package sweep
