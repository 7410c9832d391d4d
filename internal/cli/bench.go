package cli

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/neurona/neurona/data"
	"github.com/neurona/neurona/internal/atomicfile"
	"github.com/neurona/neurona/internal/human"
	"github.com/neurona/neurona/internal/safejson"
	"github.com/neurona/neurona/internal/viz"
	"github.com/neurona/neurona/train"
	"github.com/neurona/neurona/train/backend"
	"github.com/neurona/neurona/train/bench"
	"github.com/neurona/neurona/train/config"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// benchOptions is what `neurona bench` was asked to measure.
type benchOptions struct {
	cfg                  bench.Config
	data                 data.LocateOptions
	json                 bool // --json: the report as JSON on stdout, instead of the table
	jsonOut, mdOut, plot string
	compare              []string // old.json new.json
	seeds                string   // --seeds
	trials               string   // --trials
	// fields are the values of bench's configuration flags (benchFields);
	// finish applies those given over the model's defaults.
	fields config.Config
}

// benchFields are the configuration's fields bench takes as flags, as
// train does: the model and the recipe of the time-to-accuracy runs, and
// how a call runs its steps and splits them.
var benchFields = []string{"model", "hidden", "activation", "loss", "steps-per-call", "loop", "shards"}

// benchRecipeFields follow bench's own measurement flags.
var benchRecipeFields = []string{"lr", "schedule", "warmup", "average"}

// defineFields defines the flags of the configuration's fields keys in fs,
// reading into c.
func defineFields(fs *pflag.FlagSet, c *config.Config, keys []string) {
	for _, key := range keys {
		f, ok := config.Lookup(key)
		if !ok {
			panic("bench: no configuration field " + key) // a programming error
		}
		defineField(fs, f, c)
	}
}

// newCmdBench builds `neurona bench`; runF, if not nil, runs instead of
// benchRun.
func newCmdBench(e *env, runF func(*benchOptions) error) *cobra.Command {
	o := &benchOptions{}
	var backends, batches, oldBatches, precisions string
	var minSeconds, warmup float64
	var compare bool
	compileCache := true
	cmd := &cobra.Command{
		Use:   "bench [flags]   or   neurona bench --compare old.json new.json",
		Short: "measure training and inference speed per backend and batch size",
		Args:  cobra.ArbitraryArgs, // --compare's two reports; checked below
	}
	fs := cmd.Flags()
	fs.SortFlags = false
	fs.StringVar(&backends, "backends", "", "comma-separated backends to compare, first is the baseline (default: every available one, go first)")
	fs.StringVar(&batches, "batch-size", "", "batch sizes to measure, comma-separated (default: 32,128,1024 and the model's own, 512 for the MLP)")
	fs.StringVar(&oldBatches, "batch", "", "the old name of --batch-size")
	deprecatedAlias(cmd, "batch", "--batch-size")
	o.fields = flagDefaults()
	defineFields(fs, &o.fields, benchFields)
	fs.StringVar(&precisions, "precision", "", "precisions to measure side by side at each backend and batch size, comma-separated: "+
		strings.Join(config.Precisions, ", ")+" (default: "+config.PrecisionF32+")")
	fs.StringVar(&o.cfg.DataOnDevice, "data-on-device", "auto", "keep the training data on the device: auto (on for every backend but go), on, off")
	compileCacheFlag(fs, &compileCache)
	fs.IntVar(&o.cfg.MinSteps, "min-steps", 20, "timed training calls per repeat, at least")
	fs.Float64Var(&minSeconds, "min-seconds", 2, "seconds per repeat, at least")
	fs.Float64Var(&warmup, "warmup-seconds", 0.5, "untimed training before measuring")
	fs.IntVar(&o.cfg.Repeats, "repeats", 3, "repeats of each measurement (the median is quoted)")
	fs.Float64Var(&o.cfg.Target, "target", 0, "also measure the time to this test accuracy, e.g. 0.98 (0: skip)")
	fs.IntVar(&o.cfg.MaxEpochs, "max-epochs", 0, "epochs at most for --target, which the learning-rate schedule spans (default: the model's recipe)")
	fs.StringVar(&o.trials, "trials", "", "also time groups of this many trials of the recipe (seeds 1, 2...), comma-separated, e.g. 1,8,64: "+
		"steps x trials per second, and against one trial (default: none)")
	fs.StringVar(&o.seeds, "seeds", "", "comma-separated seeds of the --target runs, one run each, the median quoted (default: the recipe's seed, 1)")
	defineFields(fs, &o.fields, benchRecipeFields)
	fs.BoolVar(&o.json, "json", false, "print every measurement and the machine's description as JSON on stdout, instead of the table")
	fs.StringVar(&o.jsonOut, "json-out", "", "also write the JSON report to this file")
	fs.StringVar(&o.mdOut, "md", "", "write a Markdown table to this file")
	fs.StringVar(&o.plot, "plot", "", "write a PNG plot of training throughput per backend and batch size")
	fs.BoolVar(&compare, "compare", false, "compare two JSON reports given as arguments: neurona bench --compare old.json new.json")
	fs.StringVar(&o.data.DataDir, "data-dir", "", "data folder in MNIST's format (default: as for train)")
	completeModelFlags(cmd)
	if err := cmd.RegisterFlagCompletionFunc("backends", func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return backendNames(), cobra.ShellCompDirectiveNoFileComp
	}); err != nil {
		panic(err)
	}
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if fs.Changed("batch") {
			if fs.Changed("batch-size") {
				return usagef("--batch and --batch-size: give one (--batch is the old name of --batch-size)")
			}
			batches = oldBatches
			warnDeprecated(e, cmd)
		}
		if compare {
			if len(args) != 2 {
				return usagef("--compare takes two JSON reports (old.json new.json), got %d arguments", len(args))
			}
			o.compare = args
		} else if len(args) > 0 {
			hint := "to compare reports use --compare old.json new.json"
			if o.json && strings.HasSuffix(args[0], ".json") {
				hint = "--json prints the report on stdout; write it to a file with --json-out FILE"
			}
			return usagef("unexpected argument %q (bench takes flags; %s)", args[0], hint)
		}
		o.cfg.CompileCache = backend.CacheOptions{Off: !compileCache}
		for _, out := range []struct{ flag, path string }{{"--json-out", o.jsonOut}, {"--md", o.mdOut}, {"--plot", o.plot}} {
			if out.path != "" {
				if err := checkOut(out.flag, out.path); err != nil {
					return err
				}
			}
		}
		if o.compare == nil {
			if err := o.finish(e, fs, batches, minSeconds, warmup, backends); err != nil {
				return err
			}
			if err := o.parsePrecisions(precisions); err != nil {
				return err
			}
		}
		if runF != nil {
			return runF(o)
		}
		return benchRun(e, o)
	}
	return cmd
}

// finish checks the flags and fills o.cfg from them.
func (o *benchOptions) finish(e *env, fs *pflag.FlagSet, batches string, minSeconds, warmup float64, backends string) error {
	var err error
	model := o.fields.Model.Name
	if batches == "" {
		o.cfg.Batches = defaultBenchBatches(model)
	} else if o.cfg.Batches, err = parseSizes(batches); err != nil {
		return usagef("--batch-size %s: %v", human.Quote(batches), err)
	}
	switch {
	case o.cfg.MinSteps < 1:
		return usagef("--min-steps %d (must be >= 1)", o.cfg.MinSteps)
	case !(minSeconds >= 0) || !(warmup >= 0):
		return usagef("--min-seconds %g / --warmup-seconds %g (must be >= 0)", minSeconds, warmup)
	case o.cfg.Repeats < 1:
		return usagef("--repeats %d (must be >= 1)", o.cfg.Repeats)
	case o.cfg.Target < 0 || o.cfg.Target >= 1:
		return usagef("--target %g (a test accuracy in (0, 1), or 0 to skip)", o.cfg.Target)
	case o.cfg.DataOnDevice != "auto" && o.cfg.DataOnDevice != "on" && o.cfg.DataOnDevice != "off":
		return usagef("--data-on-device %q (accepted: auto, on, off)", o.cfg.DataOnDevice)
	case o.cfg.MaxEpochs < 0:
		return usagef("--max-epochs %d (must be >= 0)", o.cfg.MaxEpochs)
	}
	o.cfg.MinTime = time.Duration(minSeconds * float64(time.Second))
	o.cfg.Warmup = time.Duration(warmup * float64(time.Second))

	given := map[string]bool{} // the configuration's flags given (bench's --batch-size is its own)
	for _, key := range append(slices.Clone(benchFields), benchRecipeFields...) {
		given[key] = fs.Changed(key)
	}
	base := config.Defaults(model)
	applyGiven(&base, o.fields, given)
	if err := checkApplies(base, given); err != nil {
		return settingError(err)
	}
	if o.cfg.MaxEpochs > 0 {
		base.Epochs = o.cfg.MaxEpochs // the schedule spans them and the warm-up is checked against them
	}
	if o.seeds != "" { // one --target run each: train --seeds' rules
		if o.cfg.Seeds, err = parseSeeds(o.seeds); err != nil {
			return err
		}
	}
	if o.trials != "" {
		if o.cfg.Trials, err = parseTrials(o.trials); err != nil {
			return err
		}
	}
	if err := base.Validate(); err != nil {
		return settingError(err)
	}
	for _, batch := range o.cfg.Batches {
		c := base
		c.BatchSize = batch
		if err := c.Validate(); err != nil { // --shards against each batch size
			return settingError(err)
		}
		if err := train.CheckMemory(c); err != nil {
			return usagef("%v", err)
		}
		// A group of --trials holds every trial's weights, state and
		// activations at once.
		if len(o.cfg.Trials) > 0 {
			if err := train.GroupFits(c, slices.Max(o.cfg.Trials)); err != nil {
				var me *train.MemoryError
				if errors.As(err, &me) {
					return usagef("--trials %d: %s; give smaller groups to --trials", me.Members, me.Need())
				}
				return usagef("%v", err)
			}
		}
	}
	// Checked above as for MNIST; bench.Run sizes the model by the data
	// actually loaded (its pixels and classes), as train does.
	base.Model.Inputs, base.Model.Classes = 0, 0
	o.cfg.Base = base
	if o.cfg.MaxEpochs == 0 {
		o.cfg.MaxEpochs = base.Epochs
	}
	if backends == "" {
		// The Go backend first: it is everywhere, so speed-ups read as
		// "how much faster than the pure-Go CPU path".
		o.cfg.Backends = []string{backend.Go}
		for _, b := range backend.List() {
			if b.Available && b.Name != backend.Go {
				o.cfg.Backends = append(o.cfg.Backends, b.Name)
			}
		}
	} else {
		for _, b := range strings.Split(backends, ",") {
			b = strings.TrimSpace(b)
			if _, err := backend.Choose(b); err != nil {
				return usagef("--backends: %v", err)
			}
			o.cfg.Backends = append(o.cfg.Backends, b)
		}
	}
	o.data.Getenv, o.data.Download = e.getenv, true
	return nil
}

// benchRun measures, or compares reports, as o says.
func benchRun(e *env, o *benchOptions) error {
	if o.compare != nil {
		for _, path := range o.compare {
			if err := needPath("--compare", path); err != nil {
				return err
			}
		}
		old, err := bench.ReadJSON(o.compare[0])
		if err != nil {
			return err
		}
		cur, err := bench.ReadJSON(o.compare[1])
		if err != nil {
			return err
		}
		return bench.Compare(e.stdout, old, cur)
	}
	mnist, err := loadMNIST(e, o.data)
	if err != nil {
		return err
	}
	if err := o.cfg.Base.FitData(mnist); err != nil {
		return err
	}
	started := time.Now()
	text := e.stdout // the table and what was measured; with --json, stdout holds the JSON alone
	if o.json {
		text = e.stderr
	}
	fmt.Fprintf(text, "bench %s on %s, batches %v, precision %s, %d repeats of >= %d calls and >= %v each\n",
		o.cfg.Base.Model, strings.Join(o.cfg.Backends, ", "), o.cfg.Batches, strings.Join(o.cfg.Precisions, ", "), o.cfg.Repeats, o.cfg.MinSteps, o.cfg.MinTime)
	if o.cfg.Target > 0 {
		fmt.Fprintf(text, "time to %g: %s, at most %d epochs, seeds %v\n",
			o.cfg.Target, o.cfg.Base.Recipe(), o.cfg.MaxEpochs, seedsOr(o.cfg.Seeds, o.cfg.Base.Seed))
	}
	o.cfg.Warn = func(w error) { warnNeurona(e.stderr, w) } // as every command starting a backend
	for _, name := range o.cfg.Backends {
		for _, precision := range o.cfg.Precisions {
			c := o.cfg.Base
			c.Precision = precision
			if slow, ok := train.PrecisionNotFasterOn(c, name); ok {
				fmt.Fprintf(text, "note: %s\n", notFasterNote(slow))
			}
		}
	}
	results, err := bench.Run(e.ctx, o.cfg, mnist, func(r bench.Result) {
		fmt.Fprintf(e.stderr, "  measured %s batch %d %s in %s: %.1f steps/s\n", r.Backend, r.Batch, r.Precision, human.Count(max(r.Shards, 1), "shard"), r.StepsPerSecond)
	})
	if errors.Is(err, bench.ErrTooFewExamples) {
		return usagef("%v; use a smaller --batch-size", err)
	}
	if err != nil {
		return err
	}
	if !o.json {
		if err := bench.Table(e.stdout, results); err != nil {
			return err
		}
	}
	var trials []bench.TrialResult
	if len(o.cfg.Trials) > 0 {
		if trials, err = benchTrials(e, o, mnist, text); err != nil {
			return err
		}
	}
	rep := bench.Report{StartedAt: started, Machine: bench.DescribeMachine(results), WhatIsTimed: bench.WhatIsTimed,
		Results: results, Config: map[string]any{"model": o.cfg.Base.Model, "optimizer": o.cfg.Base.Optimizer, "lr": o.cfg.Base.LR,
			"steps_per_call": o.cfg.Base.StepsPerCall, "shards": o.cfg.Base.Shards, "batches": o.cfg.Batches, "repeats": o.cfg.Repeats,
			"min_steps": o.cfg.MinSteps, "min_seconds": o.cfg.MinTime.Seconds(), "warmup_seconds": o.cfg.Warmup.Seconds(),
			"target": o.cfg.Target, "max_epochs": o.cfg.MaxEpochs,
			"schedule": o.cfg.Base.Schedule, "warmup_epochs": o.cfg.Base.Warmup, "average": o.cfg.Base.Average, "seeds": o.cfg.Seeds, "precisions": o.cfg.Precisions},
		Trials: trials}
	fmt.Fprintf(text, "machine: %s, %d cores, %s, GoMLX %s, GOEXPERIMENT=%s; %.0fs in all\n",
		rep.Machine.CPU, rep.Machine.Cores, rep.Machine.GoVersion, rep.Machine.GoMLX, rep.Machine.GOEXPERIMENT, time.Since(started).Seconds())
	if o.json {
		b, err := safejson.MarshalIndent(rep, "", "  ")
		if err != nil {
			return err
		}
		if _, err := e.stdout.Write(append(b, '\n')); err != nil {
			return err
		}
	}
	if o.jsonOut != "" {
		if err := bench.WriteJSON(o.jsonOut, rep); err != nil {
			return err
		}
	}
	if o.mdOut != "" {
		var sb strings.Builder
		if err := bench.Markdown(&sb, rep); err != nil {
			return err
		}
		if err := writeText(o.mdOut, sb.String()); err != nil {
			return err
		}
	}
	if o.plot != "" {
		img, err := viz.BarChart(benchBars(results))
		if err == nil {
			err = viz.WritePNG(o.plot, img)
		}
		if err != nil {
			return fmt.Errorf("plot: %w", err)
		}
	}
	return nil
}

// benchBars is the bench picture: training examples per second by batch
// size, one bar per backend.
func benchBars(results []bench.Result) viz.Bars {
	b := viz.Bars{Title: "neurona bench: training throughput", XLabel: "batch size", YLabel: "training examples / s"}
	group, series := map[int]int{}, map[string]int{}
	for _, r := range results {
		if _, ok := group[r.Batch]; !ok {
			group[r.Batch] = len(b.Groups)
			b.Groups = append(b.Groups, strconv.Itoa(r.Batch))
		}
		if _, ok := series[r.Backend]; !ok {
			series[r.Backend] = len(b.Series)
			b.Series = append(b.Series, viz.BarSeries{Name: r.Backend})
		}
	}
	for i := range b.Series {
		b.Series[i].Values = make([]float64, len(b.Groups))
	}
	for _, r := range results {
		b.Series[series[r.Backend]].Values[group[r.Batch]] = r.ExamplesPerSecond
	}
	return b
}

func writeText(path, text string) error {
	return atomicfile.WriteFile(path, []byte(text))
}

// seedsOr is seeds, or the one seed def when none were given.
func seedsOr(seeds []uint64, def uint64) []uint64 {
	if len(seeds) == 0 {
		return []uint64{def}
	}
	return seeds
}
