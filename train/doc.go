// Package train runs neurona's training: it compiles the model's training
// and evaluation steps with GoMLX (autodiff, optimizers and losses come from
// GoMLX), feeds them minibatches from package data, evaluates on the
// validation split after each epoch, and writes the run folder. Where the
// graphs run (the list of backends, the default choice, starting one) is
// package train/backend's concern: Run starts the backend Config.Backend
// names with backend.New.
//
// The unit of work is a compiled call that runs one or more training steps
// (Config.StepsPerCall): the step loop never needs the metrics of a single
// step on the host, so several steps can run inside one call.
//
//	summary, err := train.Run(ctx, cfg, mnist, os.Stdout, train.Options{})
package train
