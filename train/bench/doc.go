// Package bench measures neurona's training and evaluation speed, as
// `neurona bench` reports it, and owns the measurements' output formats.
//
// Run measures a Config: every backend on every batch size, with one
// model and recipe. Each measurement (a Result) starts a backend (timed as
// the start-up), compiles a train.Program for it (timed as the compile),
// then times its training calls back to back on real MNIST batches after a
// warm-up, in repeats whose median is quoted, its evaluation calls on test
// batches and, with a target, the time a fresh program takes to reach that
// test accuracy. WhatIsTimed says it in full; every report carries it.
//
// The package is built on train's public API, as a program of one's own
// would be: train.Compile, Program.TrainCall, Program.EvalCall and
// Program.Evaluate are the calls timed, the very ones train.Run makes.
//
// The output formats: Table (aligned columns and the notes), Markdown,
// WriteJSON and ReadJSON (a Report with the machine's description, from
// DescribeMachine), Plot (a PNG of the throughput per backend and batch
// size) and Compare (two JSON reports side by side, with the changes beyond
// the measured noise flagged).
//
//	results, err := bench.Run(ctx, bench.Config{Base: config.Defaults(models.MLP),
//		Backends: []string{"go"}, Batches: []int{128}, MinSteps: 20, Repeats: 3}, mnist, nil)
//	if err != nil {
//		return err
//	}
//	return bench.Table(os.Stdout, results)
package bench
