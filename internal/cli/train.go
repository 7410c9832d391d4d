package cli

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/neurona/neurona/data"
	"github.com/neurona/neurona/internal/viz"
	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train"
	"github.com/neurona/neurona/train/backend"
)

// trainOptions is what `neurona train` was asked to do.
type trainOptions struct {
	cfg      train.Config
	data     data.LocateOptions
	progress string
	resume   string          // --resume: a run or checkpoint folder
	onDevice string          // --data-on-device: auto, on, off
	classes  string          // --classes
	set      map[string]bool // the flags given explicitly
}

// parseTrain fills trainOptions from args. Flags not given take the chosen
// model's defaults (train.Defaults), so `--model perceptron` alone gives
// scikit-learn's Perceptron settings.
func parseTrain(args []string, e *env) (*trainOptions, error) {
	mlpDef, percDef := train.Defaults(models.MLP), train.Defaults(models.Perceptron)
	both := func(format string, mlpValue, percValue any) string {
		return fmt.Sprintf(format, mlpValue) + "; perceptron: " + fmt.Sprintf(format, percValue)
	}
	fs := newFlags("train", "train [flags]", e.stdout)
	var (
		o                        = &trainOptions{}
		c                        = &o.cfg // the flags' values; those given override the model's defaults
		hidden                   string
		noRestoreBest, dataFetch bool
	)
	fs.StringVar(&c.Model.Name, "model", models.MLP, "model: "+strings.Join(models.Names, ", "))
	fs.StringVar(&hidden, "hidden", "512,512", "MLP hidden layer widths, comma-separated (empty: none)")
	fs.StringVar(&c.Model.Activation, "activation", "relu", "MLP hidden activation: "+strings.Join(models.Activations, ", "))
	fs.IntVar(&c.Model.MaxoutPieces, "maxout-pieces", 2, "linear pieces per unit for --activation maxout")
	fs.StringVar(&c.Model.Loss, "loss", models.LossSoftmaxCE, "MLP output layer and loss: "+strings.Join(models.Losses, ", ")+" (the perceptron uses its own criterion)")
	fs.StringVar(&c.Optimizer, "optimizer", "", "optimizer: "+strings.Join(train.Optimizers, ", ")+" (default "+both("%s", mlpDef.Optimizer, percDef.Optimizer)+")")
	fs.Float64Var(&c.LR, "lr", 0, "learning rate (default "+both("%g", mlpDef.LR, percDef.LR)+")")
	fs.Float64Var(&c.Momentum, "momentum", 0, "momentum for --optimizer sgd")
	fs.Float64Var(&c.WeightDecay, "weight-decay", 0, "weight decay for adam/adamw (adamw default 0.01)")
	fs.StringVar(&c.Schedule, "schedule", "", "learning-rate schedule: "+strings.Join(train.Schedules, ", ")+" (default "+both("%s", mlpDef.Schedule, percDef.Schedule)+")")
	fs.Float64Var(&c.Warmup, "warmup", 0, "linear learning-rate warm-up before --schedule, in epochs, fractions allowed (default "+both("%g", mlpDef.Warmup, percDef.Warmup)+")")
	fs.IntVar(&c.BatchSize, "batch-size", 0, "examples per training step (default "+both("%d", mlpDef.BatchSize, percDef.BatchSize)+")")
	fs.IntVar(&c.Epochs, "epochs", 0, "maximum number of epochs (default "+both("%d", mlpDef.Epochs, percDef.Epochs)+")")
	fs.Uint64Var(&c.Seed, "seed", 1, "seed of the initialization, the validation split and the data order")
	fs.Float64Var(&c.ValSplit, "val-split", 0.1, "fraction of the 60,000 training images held out for validation, in [0, 1)")
	fs.IntVar(&c.StepsPerCall, "steps-per-call", 0, "training steps run inside one compiled call; 0: automatic (Go backend: 1; accelerators: a whole epoch, or 16 with --loop unroll)")
	fs.StringVar(&c.Loop, "loop", train.LoopWhile, "how a call runs its steps: "+strings.Join(train.Loops, " (a loop in the graph, compiled once) or ")+" (written out one after the other); same results")
	fs.BoolVar(&c.DropLast, "drop-last", false, "skip each epoch's last batch when it is smaller than --batch-size")
	fs.IntVar(&c.Patience, "patience", 0, "stop after this many epochs without a better validation accuracy (0: off)")
	fs.Float64Var(&c.Tol, "tol", 0, "stop when the training loss has not improved by this much for --n-iter-no-change epochs (default "+both("%g", mlpDef.Tol, percDef.Tol)+"; 0: off)")
	fs.IntVar(&c.NoChange, "n-iter-no-change", 0, "epochs without --tol improvement before stopping (default "+both("%d", mlpDef.NoChange, percDef.NoChange)+")")
	fs.BoolVar(&c.RestoreBest, "restore-best", false, "test the weights of the epoch with the best validation accuracy (default "+both("%t", mlpDef.RestoreBest, percDef.RestoreBest)+")")
	fs.BoolVar(&noRestoreBest, "no-restore-best", false, "test the last epoch's weights")
	fs.BoolVar(&c.Average, "average", false, "perceptron: evaluate, test and predict with the average of the weights over all steps (the averaged perceptron; --average=false: Rosenblatt's last weights) (default "+both("%t", mlpDef.Average, percDef.Average)+")")
	fs.StringVar(&c.Backend, "backend", "", "compute backend: go, xla:cuda, xla:cpu (default: $GOMLX_BACKEND, else the best available; see neurona backends)")
	fs.StringVar(&c.RunDir, "run-dir", "", "folder for metrics.jsonl and summary.json (default runs/<model>-<timestamp>)")
	fs.StringVar(&o.data.DataDir, "data-dir", "", "data folder in MNIST's format: its four IDX files and optionally classes.txt (default: $NEURONA_DATA, the GoMNIST module copy, then the download cache)")
	classesFlag(fs, &o.classes)
	fs.BoolVar(&dataFetch, "download", true, "download MNIST into the cache folder if it is found nowhere else")
	fs.StringVar(&o.onDevice, "data-on-device", "auto", "keep the training data on the device and gather batches there: auto (on for every backend but go), on, off")
	fs.StringVar(&o.resume, "resume", "", "continue the run in this run folder (from its newest valid checkpoint) or from this checkpoint folder")
	fs.IntVar(&c.SaveEvery, "save-every", 0, "also save a checkpoint every this many steps (0: only at epoch ends)")
	fs.BoolVar(&c.SaveEveryEpoch, "save-every-epoch", true, "save a checkpoint at the end of every epoch (the last epoch is always saved)")
	fs.IntVar(&c.KeepLast, "keep-last", 3, "keep this many newest checkpoints")
	fs.BoolVar(&c.KeepBest, "keep-best", true, "also keep the checkpoint with the best validation accuracy")
	fs.StringVar(&o.progress, "progress", "auto", "progress bar within epochs: auto (when stdout is a terminal), always, never")
	if err := parseFlags(fs, args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, usagef("unexpected argument %q (train takes only flags; see `neurona train --help`)", fs.Arg(0))
	}

	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	h, err := models.ParseHidden(hidden)
	if err != nil {
		return nil, usagef("%s", strings.TrimPrefix(err.Error(), models.ErrSpec.Error()+": "))
	}
	c.Model.Hidden = h
	if set["no-restore-best"] {
		c.RestoreBest = !noRestoreBest
	}
	def := train.Defaults(c.Model.Name)
	if c.Model.Name == models.MLP {
		// The MLP's shape flags have defaults of their own.
		def.Model.Hidden, def.Model.Activation, def.Model.Loss = c.Model.Hidden, c.Model.Activation, c.Model.Loss
	}
	for name := range set {
		if f, ok := configFlags[name]; ok {
			f.copy(&def, *c)
		}
	}
	if def.ValSplit == 0 && !set["restore-best"] {
		def.RestoreBest = false // nothing to choose the best epoch by
	}
	if c.Backend != "" {
		if _, err := backend.Choose(c.Backend); err != nil {
			return nil, usagef("--backend: %v", err)
		}
	}
	def.Backend, def.RunDir = c.Backend, c.RunDir
	if o.onDevice != "auto" && o.onDevice != "on" && o.onDevice != "off" {
		return nil, usagef("--data-on-device %q (accepted: auto, on, off)", o.onDevice)
	}
	switch o.progress {
	case "auto":
		def.Progress = isTerminal(e.stdout)
	case "always":
		def.Progress = true
	case "never":
		def.Progress = false
	default:
		return nil, usagef("--progress %q (accepted: auto, always, never)", o.progress)
	}
	if _, err := parseClasses(o.classes); err != nil {
		return nil, err
	}
	o.cfg = def
	o.set = set
	o.data.Download = dataFetch
	o.data.Getenv = e.getenv
	o.data.Logf = func(format string, args ...any) { fmt.Fprintf(e.stderr, format+"\n", args...) }
	if o.resume != "" {
		if set["run-dir"] {
			return nil, usagef("--run-dir and --resume: a resumed run continues in its own run folder")
		}
		return o, nil // validated once merged with the checkpoint's configuration
	}
	if err := o.cfg.Validate(); err != nil {
		if errors.Is(err, models.ErrSpec) || errors.Is(err, train.ErrConfig) {
			return nil, usagef("%s", trimSentinel(err))
		}
		return nil, err
	}
	if err := train.CheckMemory(o.cfg); err != nil {
		return nil, usagef("%s", trimSentinel(err))
	}
	// Checked above as for MNIST; train.Run sizes the model by the data
	// actually loaded (its pixels and classes).
	o.cfg.Model.Inputs, o.cfg.Model.Classes = 0, 0
	return o, nil
}

// trimSentinel drops the package's sentinel prefix ("train: invalid
// configuration: ") that says nothing to a user reading about a flag.
func trimSentinel(err error) string {
	msg := err.Error()
	for _, s := range []error{models.ErrSpec, train.ErrConfig, train.ErrMemory} {
		msg = strings.TrimPrefix(msg, s.Error()+": ")
	}
	return msg
}

func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

func runTrain(e *env, args []string) error {
	o, err := parseTrain(args, e)
	if err != nil {
		return err
	}
	if o.resume != "" {
		if err := needPath("--resume", o.resume); err != nil {
			return err
		}
	}
	mnist, err := loadMNIST(e, o.data)
	if err != nil {
		return err
	}
	opts := train.Options{DataOnDevice: o.onDevice, Warn: func(msg string) { fmt.Fprintf(e.stderr, "neurona train: warning: %s\n", msg) }}
	if o.resume != "" {
		if opts.Resume, err = resumeFrom(o, e); err != nil {
			return err
		}
		// The model was built for the classes it recorded, names included.
		shape, err := train.TrainedShape(opts.Resume)
		if err != nil {
			return err
		}
		mnist.Classes = shape.Classes
	} else if err := nameData(mnist, o.classes); err != nil {
		return err
	}
	summary, err := train.Run(e.ctx, o.cfg, mnist, e.stdout, opts)
	if err == nil {
		return drawRun(e, summary, mnist)
	}
	if summary != nil && summary.RunDir != "" {
		if errors.Is(err, train.ErrDiverged) {
			kept := "no checkpoint was saved before it"
			if summary.LastCheckpoint != "" {
				kept = "kept " + summary.LastCheckpoint + ", the last checkpoint before it"
			}
			fmt.Fprintf(e.stderr, "neurona train: %s; the run's summary is in %s\n", kept, filepath.Join(summary.RunDir, "summary.json"))
			return err
		}
		if summary.LastCheckpoint != "" {
			fmt.Fprintf(e.stderr, "neurona train: saved %s; resume with: neurona train --resume %s\n",
				summary.LastCheckpoint, summary.RunDir)
		} else {
			fmt.Fprintf(e.stderr, "neurona train: partial results in %s\n", summary.RunDir)
		}
	}
	return err
}

// drawRun writes the run's pictures (misclassified digits, confusion
// matrix, curves) from the test evaluation the run ended with.
func drawRun(e *env, s *train.Summary, mnist *data.MNIST) error {
	paths, damaged, err := viz.RunPictures(s.RunDir, mnist.Test, s.Evaluation, mnist.Classes)
	for _, d := range damaged {
		fmt.Fprintf(e.stderr, "neurona train: warning: %s\n", d)
	}
	if err != nil {
		return fmt.Errorf("draw the run's pictures: %w", err)
	}
	for i := range paths {
		paths[i] = filepath.Base(paths[i])
	}
	fmt.Fprintf(e.stdout, "pictures %s in %s; `neurona report %s` makes report.html\n", strings.Join(paths, ", "), s.RunDir, s.RunDir)
	return nil
}
