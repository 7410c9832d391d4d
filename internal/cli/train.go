package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/neurona/neurona/data"
	"github.com/neurona/neurona/internal/human"
	"github.com/neurona/neurona/internal/viz"
	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train"
	"github.com/neurona/neurona/train/checkpoint"
	"github.com/neurona/neurona/train/config"
	"github.com/neurona/neurona/train/runfolder"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// trainOptions is what `neurona train` was asked to do.
type trainOptions struct {
	cfg      config.Config
	data     data.LocateOptions
	progress string
	resume   string          // --resume: a run or checkpoint folder
	onDevice string          // --data-on-device: auto, on, off
	cache    bool            // --compile-cache
	classes  string          // --classes
	set      map[string]bool // the flags given explicitly, on the command line or in --config

	// The flags' raw values, read into cfg and data by finish.
	hidden        string
	noRestoreBest bool // --no-restore-best, the old spelling of --restore-best=false
	download      bool

	configFile  string            // --config
	printConfig string            // --print-config: "", auto, yaml or json
	sources     map[string]string // flag name -> "FILE:LINE" where --config set it
	flags       *pflag.FlagSet    // train's flags, for --print-config and config.yaml
}

const trainLong = `Trains one model on MNIST or on your data in MNIST's format, tests it once at the end, and writes a
run folder: metrics.jsonl, summary.json, config.yaml, checkpoints and pictures. Flags not given take
the chosen model's defaults, the fastest recipes to their accuracy measured on the Go backend (the
perceptron's: averaged, batch 32, 2 epochs). --config FILE sets any flag from a YAML or JSON file;
flags on the command line win.`

// newCmdTrain builds `neurona train`. Its flags fill trainOptions; runF,
// if not nil, runs instead of trainRun (tests capture the options).
func newCmdTrain(e *env, runF func(*trainOptions) error) *cobra.Command {
	o := &trainOptions{}
	cmd := &cobra.Command{
		Use:   "train",
		Short: "train a model on MNIST or your data and write a run folder (resume one with --resume)",
		Long:  trainLong,
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.finish(e, cmd.Flags()); err != nil {
				return err
			}
			warnDeprecated(e, cmd)
			if runF != nil {
				return runF(o)
			}
			return trainRun(e, o)
		},
	}
	mlpDef, percDef := config.Defaults(models.MLP), config.Defaults(models.Perceptron)
	both := func(format string, mlpValue, percValue any) string {
		return fmt.Sprintf(format, mlpValue) + "; perceptron: " + fmt.Sprintf(format, percValue)
	}
	fs := cmd.Flags()
	fs.SortFlags = false
	c := &o.cfg // the flags' values; those given override the model's defaults
	fs.StringVar(&c.Model.Name, "model", models.MLP, "model: "+strings.Join(models.Names(), ", "))
	fs.StringVar(&o.hidden, "hidden", "512,512", "MLP hidden layer widths, comma-separated (empty: none)")
	fs.StringVar(&c.Model.Activation, "activation", "relu", "MLP hidden activation: "+strings.Join(models.Activations, ", "))
	fs.IntVar(&c.Model.MaxoutPieces, "maxout-pieces", 2, "linear pieces per unit for --activation maxout")
	fs.StringVar(&c.Model.Loss, "loss", models.LossSoftmaxCE, "MLP output layer and loss: "+strings.Join(models.Losses, ", ")+" (the perceptron uses its own criterion)")
	setGroup(cmd, "Model", "model", "hidden", "activation", "maxout-pieces", "loss")

	fs.StringVar(&c.Optimizer, "optimizer", "", "optimizer: "+strings.Join(config.Optimizers, ", ")+" (default "+both("%s", mlpDef.Optimizer, percDef.Optimizer)+")")
	fs.Float64Var(&c.LR, "lr", 0, "learning rate (default "+both("%g", mlpDef.LR, percDef.LR)+")")
	fs.Float64Var(&c.Momentum, "momentum", 0, "momentum for --optimizer sgd")
	fs.Float64Var(&c.WeightDecay, "weight-decay", 0, "weight decay for adam/adamw (adamw default 0.01)")
	fs.StringVar(&c.Schedule, "schedule", "", "learning-rate schedule: "+strings.Join(config.Schedules, ", ")+" (default "+both("%s", mlpDef.Schedule, percDef.Schedule)+")")
	fs.Float64Var(&c.Warmup, "warmup", 0, "linear learning-rate warm-up before --schedule, in epochs, fractions allowed (default "+both("%g", mlpDef.Warmup, percDef.Warmup)+")")
	fs.IntVar(&c.BatchSize, "batch-size", 0, "examples per training step (default "+both("%d", mlpDef.BatchSize, percDef.BatchSize)+")")
	fs.IntVar(&c.Epochs, "epochs", 0, "maximum number of epochs (default "+both("%d", mlpDef.Epochs, percDef.Epochs)+")")
	fs.BoolVar(&c.Average, "average", false, "perceptron: evaluate, test and predict with the average of the weights over all steps (the averaged perceptron); --average=false: Rosenblatt's last weights (default "+both("%t", mlpDef.Average, percDef.Average)+")")
	fs.Uint64Var(&c.Seed, "seed", 1, "seed of the initialization, the validation split and the data order")
	setGroup(cmd, "Optimization", "optimizer", "lr", "momentum", "weight-decay", "schedule", "warmup", "batch-size", "epochs", "average", "seed")

	fs.IntVar(&c.Patience, "patience", 0, "stop after this many epochs without a better --early-stop-monitor (0: off)")
	fs.StringVar(&c.EarlyStopMonitor, "early-stop-monitor", config.MonitorValAccuracy, "what --patience watches: "+strings.Join(config.Monitors, " (higher is better) or ")+" (lower is better)")
	fs.Float64Var(&c.EarlyStopMinDelta, "early-stop-min-delta", 0, "for --patience, a change smaller than this is no improvement")
	fs.Float64Var(&c.Tol, "tol", 0, "stop when the training loss has not improved by this much for --n-iter-no-change epochs (default "+both("%g", mlpDef.Tol, percDef.Tol)+"; 0: off)")
	fs.IntVar(&c.NoChange, "n-iter-no-change", 0, "epochs without --tol improvement before stopping (default "+both("%d", mlpDef.NoChange, percDef.NoChange)+")")
	fs.BoolVar(&c.RestoreBest, "restore-best", false, "test the weights of the epoch with the best validation accuracy; --restore-best=false: the last epoch's (default "+both("%t", mlpDef.RestoreBest, percDef.RestoreBest)+")")
	fs.BoolVar(&o.noRestoreBest, "no-restore-best", false, "the old spelling of --restore-best=false")
	deprecatedAlias(cmd, "no-restore-best", "--restore-best=false")
	setGroup(cmd, "Stopping and model selection", "patience", "early-stop-monitor", "early-stop-min-delta", "tol", "n-iter-no-change", "restore-best")

	fs.StringVar(&o.data.DataDir, "data-dir", "", "data folder in MNIST's format: its four IDX files and optionally classes.txt (default: $NEURONA_DATA, the GoMNIST module copy, then the download cache)")
	classesFlag(fs, &o.classes)
	fs.BoolVar(&o.download, "download", true, "download MNIST into the cache folder if it is found nowhere else")
	fs.Float64Var(&c.ValSplit, "val-split", 0.1, "fraction of the training images held out for validation, in [0, 1)")
	fs.BoolVar(&c.DropLast, "drop-last", false, "skip each epoch's last batch when it is smaller than --batch-size")
	setGroup(cmd, "Data", "data-dir", "classes", "download", "val-split", "drop-last")

	fs.StringVar(&c.RunDir, "run-dir", "", "folder for the run's files (default runs/<model>-<timestamp>, with -2, -3... if taken)")
	fs.StringVar(&o.resume, "resume", "", "continue the run in this run folder (from its newest valid checkpoint) or from this checkpoint folder")
	fs.IntVar(&c.LogEvery, "log-every", 0, "also write the training loss and learning rate to metrics.jsonl every this many steps (default -1: about 50 lines a run; 0: per epoch only)")
	fs.IntVar(&c.SaveEvery, "save-every", 0, "also save a checkpoint every this many steps (0: only at epoch ends)")
	fs.BoolVar(&c.SaveEveryEpoch, "save-every-epoch", true, "save a checkpoint at the end of every epoch (the last epoch is always saved)")
	fs.IntVar(&c.KeepLast, "keep-last", 3, "keep this many newest checkpoints")
	fs.BoolVar(&c.KeepBest, "keep-best", true, "also keep the checkpoint with the best validation accuracy")
	setGroup(cmd, "Run folder and checkpoints", "run-dir", "resume", "log-every", "save-every", "save-every-epoch", "keep-last", "keep-best")

	fs.StringVar(&c.Backend, "backend", "", "compute backend: go, xla:cuda, xla:cpu (default: $GOMLX_BACKEND, else the best available; see neurona backends)")
	fs.IntVar(&c.StepsPerCall, "steps-per-call", 0, "training steps run inside one compiled call; 0: automatic (Go backend: 1; accelerators: a whole epoch, or 16 with --loop unroll)")
	fs.StringVar(&c.Loop, "loop", config.LoopWhile, "how a call runs its steps: "+strings.Join(config.Loops, " (a loop in the graph, compiled once) or ")+" (written out one after the other); same results")
	fs.StringVar(&o.onDevice, "data-on-device", "auto", "keep the training data on the device and gather batches there: auto (on for every backend but go), on, off")
	fs.BoolVar(&c.Autodiff, "autodiff", false, "take the gradients from GoMLX's autodiff instead of the model's hand-written backward pass (the same gradients within float32 rounding; a slower step on the Go backend; maxout always uses autodiff)")
	compileCacheFlag(fs, &o.cache)
	setGroup(cmd, "Performance and internals", "backend", "steps-per-call", "loop", "data-on-device", "autodiff", "compile-cache")

	fs.Var(&configPath{path: &o.configFile}, "config", "read flags from this YAML or JSON file (keys are flag names: batch-size: 64); flags given on the command line win")
	fs.StringVar(&o.printConfig, "print-config", "", "print the effective configuration (yaml, or json; default: the --config file's format, else yaml) and exit without training")
	fs.Lookup("print-config").NoOptDefVal = "auto"
	if err := fs.SetAnnotation("print-config", annotationValues, []string{"yaml", "json"}); err != nil {
		panic(err)
	}
	fs.StringVar(&o.progress, "progress", "auto", "progress bar within epochs: auto (when stdout is a terminal), always, never")
	setGroup(cmd, "Configuration and output", "config", "print-config", "progress")

	completeModelFlags(cmd)
	completeWords(cmd, "progress", "auto", "always", "never")
	completeWords(cmd, "early-stop-monitor", config.Monitors...)
	completeWords(cmd, "print-config", "yaml", "json")
	if err := cmd.MarkFlagFilename("config", "yaml", "yml", "json"); err != nil {
		panic(err)
	}
	completeFolders(cmd, "resume")
	o.flags = fs
	return cmd
}

// finish reads the flags (and --config) into o: flags not given take the
// chosen model's defaults (config.Defaults), so `--model perceptron` alone
// gives scikit-learn's Perceptron settings.
func (o *trainOptions) finish(e *env, fs *pflag.FlagSet) error {
	if o.configFile != "" {
		format, entries, err := readConfigFile(o.configFile)
		if err != nil {
			return err
		}
		if o.sources, err = applyConfig(fs, o.configFile, entries, trainConfigKey); err != nil {
			return err
		}
		if o.printConfig == "auto" {
			o.printConfig = format
		}
	}
	switch o.printConfig {
	case "", "yaml", "json":
	case "auto":
		o.printConfig = "yaml"
	default:
		return usagef("--print-config=%s (accepted: yaml, json)", o.printConfig)
	}
	c := &o.cfg
	set := map[string]bool{}
	fs.Visit(func(f *pflag.Flag) { set[f.Name] = true })
	if set["print-config"] && set["resume"] {
		return usagef("--print-config shows a new run's configuration; a resumed run keeps its checkpoint's (see `neurona checkpoints inspect %s`)", o.resume)
	}
	h, err := models.ParseHidden(o.hidden)
	if err != nil {
		return o.usage(strings.TrimPrefix(err.Error(), models.ErrSpec.Error()+": "))
	}
	c.Model.Hidden = h
	if set["no-restore-best"] {
		if set["restore-best"] {
			return usagef("--restore-best and --no-restore-best: give one (--no-restore-best is the old spelling of --restore-best=false)")
		}
		c.RestoreBest = !o.noRestoreBest
		delete(set, "no-restore-best")
		set["restore-best"] = true
	}
	if c.Model.Name == models.Perceptron {
		// Refused as --hidden is (models.Spec): the perceptron would
		// otherwise drop them silently.
		for _, name := range []string{"activation", "maxout-pieces"} {
			if set[name] {
				return o.usage(fmt.Sprintf("the perceptron has no hidden layers (use --model mlp for --%s)", name))
			}
		}
	}
	def := config.Defaults(c.Model.Name)
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
	if err := checkBackend(e, c.Backend); err != nil {
		return err
	}
	def.Backend, def.RunDir = c.Backend, c.RunDir
	if o.onDevice != "auto" && o.onDevice != "on" && o.onDevice != "off" {
		return o.usage(fmt.Sprintf("--data-on-device %q (accepted: auto, on, off)", o.onDevice))
	}
	switch o.progress {
	case "auto":
		def.Progress = isTerminal(e.stdout)
	case "always":
		def.Progress = true
	case "never":
		def.Progress = false
	default:
		return o.usage(fmt.Sprintf("--progress %q (accepted: auto, always, never)", o.progress))
	}
	if _, err := parseClasses(o.classes); err != nil {
		return err
	}
	o.cfg = def
	o.set = set
	o.data.Download = o.download
	o.data.Getenv = e.getenv
	o.data.Logf = e.logf
	if o.resume != "" {
		if set["run-dir"] {
			return usagef("--run-dir and --resume: a resumed run continues in its own run folder")
		}
		return nil // validated once merged with the checkpoint's configuration
	}
	if c.RunDir != "" {
		if err := needNewFolder("--run-dir", c.RunDir); err != nil {
			return err
		}
	}
	if err := o.cfg.Validate(); err != nil {
		if errors.Is(err, models.ErrSpec) || errors.Is(err, config.ErrConfig) {
			return o.usage(trimSentinel(err))
		}
		return err
	}
	if err := train.CheckMemory(o.cfg); err != nil {
		return usagef("%s", trimSentinel(err))
	}
	// Checked above as for MNIST; train.Run sizes the model by the data
	// actually loaded (its pixels and classes).
	o.cfg.Model.Inputs, o.cfg.Model.Classes = 0, 0
	return nil
}

// usage is a usage error saying msg, and where --config set the flag msg
// names, if it did: "--lr 0 (must be > 0) (set by run.yaml:3)".
func (o *trainOptions) usage(msg string) error {
	for name, where := range o.sources {
		if mentionsFlag(msg, name) {
			return usagef("%s (set by %s)", msg, where)
		}
	}
	return usagef("%s", msg)
}

// mentionsFlag reports whether msg names --name as a whole flag (not
// --name-something).
func mentionsFlag(msg, name string) bool {
	for rest := msg; ; {
		i := strings.Index(rest, "--"+name)
		if i < 0 {
			return false
		}
		rest = rest[i+2+len(name):]
		if rest == "" || !(rest[0] == '-' || rest[0] >= 'a' && rest[0] <= 'z') {
			return true
		}
	}
}

// trimSentinel drops the package's sentinel prefix ("train: invalid
// configuration: ") that says nothing to a user reading about a flag.
func trimSentinel(err error) string {
	msg := err.Error()
	for _, s := range []error{models.ErrSpec, config.ErrConfig, train.ErrMemory} {
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

// trainRun trains as o says, or with --print-config prints the
// configuration it would train with.
func trainRun(e *env, o *trainOptions) error {
	if o.printConfig != "" {
		return writeConfig(e.stdout, o.printConfig, o.effectiveConfig(true))
	}
	if o.resume != "" {
		if err := needPath("--resume", o.resume); err != nil {
			return err
		}
	}
	var resumed *checkpoint.Checkpoint
	if o.resume != "" {
		var err error
		if resumed, err = resumeFrom(o, e); errors.Is(err, train.ErrNothingToTrain) {
			return nil
		} else if err != nil {
			return err
		}
	}
	var mnist *data.MNIST
	var err error
	if resumed != nil {
		// A run resumes on the data it was trained on: the folder its
		// checkpoint records, unless --data-dir names another.
		mnist, _, err = trainedData(e, resumed, o.data)
	} else {
		mnist, err = loadMNIST(e, o.data)
	}
	if err != nil {
		return err
	}
	opts := e.trainOptions(train.Options{DataOnDevice: o.onDevice, CompileCache: o.compileCache()})
	var saved strings.Builder
	if err := writeConfig(&saved, "yaml", o.effectiveConfig(false)); err != nil {
		return err
	}
	opts.Files = map[string][]byte{configFileName: []byte(saved.String())}
	if resumed != nil {
		opts.Resume = resumed
		// The model was built for the classes it recorded, names included.
		shape, err := train.TrainedShape(opts.Resume)
		if err != nil {
			return err
		}
		mnist.Classes = shape.Classes
	} else if err := nameData(mnist, o.classes); err != nil {
		return err
	}
	summary, err := train.Run(e.ctx, o.cfg, mnist, opts)
	if errors.Is(err, train.ErrNothingToTrain) {
		return nil
	}
	if err == nil {
		return drawRun(e, summary, mnist)
	}
	if inUse := new(runfolder.RunInUseError); errors.As(err, &inUse) {
		if o.resume != "" {
			return fmt.Errorf("%w; resume it when that process has finished", err)
		}
		return fmt.Errorf("%w; wait for it to finish, or choose another --run-dir", err)
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
func drawRun(e *env, s *runfolder.Summary, mnist *data.MNIST) error {
	paths, damaged, err := viz.RunPictures(s.RunDir, mnist.Test, s.Evaluation, mnist.Classes)
	for _, d := range damaged {
		fmt.Fprintf(e.stderr, "neurona train: warning: %s\n", human.Text(d))
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
