// Package train trains neurona's models (package models) on MNIST or
// another data set in its format (package data) with GoMLX: it compiles a
// model's training and evaluation steps (GoMLX's autodiff and optimizers,
// with neurona's learning-rate schedules and the averaged perceptron's
// running average),
// feeds them minibatches, evaluates on the validation split after each
// epoch, saves checkpoints, and writes the run folder.
//
// # Training
//
// Run is `neurona train` without the command line: it checks a
// config.Config (package train/config: config.Defaults gives each model's
// recipe, Validate and FitData check it; CheckMemory here checks it against
// the machine), starts the backend Config.Backend names (package
// train/backend), trains, and writes the run folder in the format of
// package train/runfolder: metrics.jsonl (an EpochMetrics line per epoch
// and a StepMetrics line every Config.LogEvery steps), summary.json
// (Summary) and checkpoints/ (package train/checkpoint, with the pointer
// files checkpoints/best and checkpoints/last). Options.Resume continues a
// run from one of its checkpoints (ResolveCheckpoint finds it, ResumeConfig
// reads what it saved) and ends bit for bit where the uninterrupted run
// would have.
//
// A run shows nothing itself: it reports typed events (Event: Planned,
// Compiled, EpochEnded, CheckpointSaved, Stopped, Tested, Warned...) to
// the observers in Options.Observers, in order, the way GoMLX's training
// loop takes callbacks. The command line turns them into its lines (and
// the progress bar); a server or a sweep may log them or follow a run
// without re-reading its files. Its errors and stop reasons name no flag:
// typed errors (RunExistsError, BestGoneError, ErrDiverged, ErrWhileLoop)
// leave the advice to each front end.
//
//	mnist, err := data.Load(ctx, data.LocateOptions{})
//	if err != nil {
//		return err
//	}
//	cfg := config.Defaults(models.Perceptron)
//	cfg.Epochs, cfg.RunDir = 1, "runs/first"
//	show := func(e train.Event) {
//		if e, ok := e.(train.EpochEnded); ok {
//			fmt.Println("epoch", e.Metrics.Epoch, "train loss", e.Metrics.TrainLoss)
//		}
//	}
//	summary, err := train.Run(ctx, cfg, mnist, train.Options{Observers: []train.Observer{show}})
//	if err != nil {
//		return err
//	}
//	fmt.Println("test accuracy", *summary.TestAccuracy)
//
// # Using a trained model
//
// LoadTrained loads a checkpoint on any backend (checkpoints hold plain
// host values) into a Trained, which predicts (Trained.Predict) and
// evaluates (Trained.Evaluate: loss, accuracy, confusion matrix, per-class
// precision and recall).
//
// # Driving the calls yourself
//
// The unit of work is a compiled call that runs one or more training steps
// (Config.StepsPerCall), in a While loop compiled once or unrolled
// (Config.Loop): the step loop never needs the metrics of a single step on
// the host, so several steps can run inside one call. Compile makes a
// Program, a model's compiled calls and variables over a training set,
// for programs that drive the calls themselves: Program.TrainCall runs one
// call of its pipeline (Program.Batches), Program.EvalCall and
// Program.Evaluate evaluate, Program.Trained predicts, Program.Close frees
// it. A While loop that does not compile on a backend falls back to
// unrolled steps, which train the same weights. Run trains through a
// Program; package train/bench times a Program's calls.
//
// # Related packages
//
// train/backend is where graphs run; train/checkpoint is the checkpoint
// format; train/runfolder is the run folder's format; train/bench
// measures. Tests that run neurona as a program inject failures through
// Options.Faults and stop a run at an event through an observer. The
// command line (internal/cli) is built on this package, never the other
// way around.
package train
