package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/neurona/neurona/internal/human"
	"github.com/neurona/neurona/internal/safefile"
	"github.com/neurona/neurona/internal/sweep"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// sweepOptions is what `neurona sweep` was asked to do.
type sweepOptions struct {
	out    string   // --out: the new sweep's folder
	resume string   // --resume: an interrupted sweep's folder
	random int      // --random N: N trials drawn instead of the grid
	seed   uint64   // --seed of --random (the trials' own --seed is a train flag)
	train  []string // the train flags, with lists and ranges

	// trainFn trains one trial; nil: `neurona train` in this process, its
	// output in the sweep's logs/ (tests give a fake).
	trainFn sweep.TrainFunc
}

const sweepLong = `Trains one run per combination of the values given to train's flags (the grid), or --random N
runs drawn from lists and ranges, one after the other, each an ordinary run folder under --out.

Values are comma-separated choices: --lr 1e-3,3e-3 --activation relu,tanh --batch-size 64,128.
A --hidden choice is layer widths joined by +, WIDTHxN for N layers, or none: --hidden 256,512x2,128+64.
With --random N a value may also be a range lo:hi (uniform) or lo:hi:log (log-uniform): --lr 1e-4:1e-2:log,
and --hidden-width 64:1024 with --hidden-layers 1:3 draw the hidden layers. Values are drawn in full
precision and no two trials alike: an N larger than the number of distinct configurations is refused. Any
other train flag may be given, fixed or as a list; --run-dir and --resume are the sweep's own.

Trials are ranked by best validation accuracy (never by test accuracy, shown for information). The sweep
folder holds sweep.json (the plan and every result), sweep.md (the leaderboard), sweep.png and
report.html. An interrupted sweep (Ctrl-C, a kill) continues with --resume DIR: finished trials are kept,
the interrupted one resumes from its checkpoint, failed ones are tried again (unless they diverged), the
rest run. One process at a time runs a sweep folder: another is refused (exit 1). A sweep in which no
trial finished exits 1.`

// sweepOwnFlags are the flags sweep parses itself; all others go to train.
var sweepOwnFlags = map[string]bool{"out": true, "resume": true, "random": true, "sweep-seed": true, "help": true}

// newCmdSweep builds `neurona sweep`. Its flags are train's, with lists, so
// cobra does not parse them: sweep.ParseArgs does, checking each name
// against train's own flags.
func newCmdSweep(e *env, runF func(*sweepOptions) error) *cobra.Command {
	cmd := &cobra.Command{
		Use:                "sweep --out DIR [--random N] [--sweep-seed S] --FLAG V1,V2... | --resume DIR",
		Short:              "train a grid or a random sample of hyperparameters and rank the runs",
		Long:               sweepLong,
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			o, help, err := parseSweepArgs(args)
			if err != nil {
				return err
			}
			if help {
				return cmd.Help()
			}
			if runF != nil {
				return runF(o)
			}
			return sweepRun(e, o)
		},
	}
	// Declared for --help and completion only: RunE parses them.
	cmd.Flags().String("out", "", "folder of the new sweep (one run folder per trial inside it)")
	cmd.Flags().String("resume", "", "continue the sweep in this folder")
	cmd.Flags().Int("random", 0, "draw this many trials from the lists and ranges instead of the grid")
	cmd.Flags().Uint64("sweep-seed", 1, "seed that draws the --random trials (train's --seed seeds each run)")
	return cmd
}

// parseSweepArgs splits sweep's own flags from train's.
func parseSweepArgs(args []string) (o *sweepOptions, help bool, err error) {
	o = &sweepOptions{seed: 1}
	for i := 0; i < len(args); i++ {
		name, value, hasValue := strings.Cut(strings.TrimPrefix(args[i], "--"), "=")
		if args[i] == "-h" || args[i] == "--help" {
			return o, true, nil
		}
		if !strings.HasPrefix(args[i], "--") || !sweepOwnFlags[name] {
			o.train = append(o.train, args[i])
			continue
		}
		if !hasValue {
			if i+1 == len(args) {
				return nil, false, usagef("--%s needs a value", name)
			}
			i++
			value = args[i]
		}
		switch name {
		case "out":
			o.out = value
		case "resume":
			o.resume = value
		case "random":
			n, err := strconv.Atoi(value)
			if err != nil || n < 1 || n > sweep.MaxTrials {
				return nil, false, usagef("--random %s (want a number of trials, 1 to %d)", human.Quote(value), sweep.MaxTrials)
			}
			o.random = n
		case "sweep-seed":
			s, err := strconv.ParseUint(value, 10, 64)
			if err != nil {
				return nil, false, usagef("--sweep-seed %s (want a whole number from 0 to %d)", human.Quote(value), uint64(math.MaxUint64))
			}
			o.seed = s
		}
	}
	switch {
	case o.resume != "" && (o.out != "" || len(o.train) > 0 || o.random > 0):
		return nil, false, usagef("--resume continues a sweep as it was planned: give it alone")
	case o.resume == "" && o.out == "":
		return nil, false, usagef("missing --out DIR, the new sweep's folder (or --resume DIR; see `neurona sweep --help`)")
	}
	return o, false, nil
}

// annotationSweep annotates a train flag a sweep may not vary: sweepFixed
// (one value for every trial: where the data is, the backend) or
// sweepNever (the sweep gives it itself: --run-dir, --resume). The
// configuration's fields say it in their declaration (config.Field.Fixed).
const annotationSweep = "neurona_sweep"

const (
	sweepFixed = "fixed"
	sweepNever = "never"
)

// setSweep annotates the flags names of fs with how a sweep may give them.
func setSweep(fs *pflag.FlagSet, how string, names ...string) {
	for _, name := range names {
		if err := fs.SetAnnotation(name, annotationSweep, []string{how}); err != nil {
			panic(err) // a programming error: the flag is defined just before
		}
	}
}

// sweepFlags tells sweep.ParseArgs which train flags exist and which a
// sweep may vary, from train's flags' declarations.
func sweepFlags(*env) sweep.Flags {
	fs := pflag.NewFlagSet("train", pflag.ContinueOnError)
	defineTrainFlags(fs, &trainOptions{})
	flags := sweep.Flags{
		Known:     func(name string) bool { f := fs.Lookup(name); return f != nil && !f.Hidden },
		FixedOnly: map[string]bool{},
		Never:     map[string]bool{},
	}
	fs.VisitAll(func(f *pflag.Flag) {
		switch how := f.Annotations[annotationSweep]; {
		case len(how) == 0:
		case how[0] == sweepFixed:
			flags.FixedOnly[f.Name] = true
		case how[0] == sweepNever:
			flags.Never[f.Name] = true
		}
	})
	return flags
}

// trainInProcess runs `neurona train args...` in this process, its output
// appended to log: what a sweep's trial does.
func trainInProcess(e *env, log string) sweep.TrainFunc {
	return func(ctx context.Context, args []string) error {
		f, err := safefile.OpenFile(log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return fmt.Errorf("trial log: %w", err)
		}
		defer f.Close()
		fmt.Fprintf(f, "$ neurona train %s\n", strings.Join(args, " "))
		te := &env{ctx: ctx, stdout: f, stderr: f, getenv: e.getenv}
		_, err = execute(newRootCmd(te, newCmdTrain(te, nil)), append([]string{"train", "--progress=never"}, args...))
		return err
	}
}

// checkTrials parses every trial's flags with train's own parser, so that
// a bad value is one usage line before anything trains.
func checkTrials(e *env, s *sweep.Sweep) error {
	for _, t := range s.Trials {
		if err := checkTrainArgs(e, append(append([]string{}, t.Args...), "--run-dir="+s.TrialDir(t.Trial))); err != nil {
			return usagef("%s (%s): %s", t.Name, human.Quote(strings.Join(t.Args, " ")), oneLine(err.Error()))
		}
	}
	return nil
}

// checkRanges parses each range's bounds, written as draws are, in the
// flags of trial (the first planned) with train's own parser: a range that
// train cannot take (--seed 0:1e19) is one usage line naming the range and
// what train accepts, not an error about some value drawn from it.
func checkRanges(e *env, spec sweep.Spec, trial sweep.Trial, runDir string) error {
	for _, p := range spec.Params {
		if p.Range == nil || p.Flag == sweep.HiddenWidth || p.Flag == sweep.HiddenLayers {
			continue // drawn into --hidden, and bounded by sweep itself
		}
		for _, bound := range p.Range.Bounds() {
			args := []string{"--" + p.Flag + "=" + bound, "--run-dir=" + runDir}
			for _, a := range trial.Args {
				if !strings.HasPrefix(a, "--"+p.Flag+"=") {
					args = append(args, a)
				}
			}
			if err := checkTrainArgs(e, args); err != nil {
				return usagef("--%s %s: train refuses its bound %s: %s", p.Flag, p.Range, bound, oneLine(err.Error()))
			}
		}
	}
	return nil
}

// checkTrainArgs parses args as `neurona train` would and checks the
// configuration they give, without training: train's flags in a flag set
// of their own, no command built.
func checkTrainArgs(e *env, args []string) error {
	te := &env{ctx: e.ctx, stdout: devNull{}, stderr: devNull{}, getenv: e.getenv}
	o := &trainOptions{}
	fs := pflag.NewFlagSet("neurona train", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	defineTrainFlags(fs, o)
	if err := fs.Parse(args); err != nil {
		var invalid *pflag.InvalidValueError
		if errors.As(err, &invalid) {
			f := invalid.GetFlag()
			return usagef("--%s %s: %s", f.Name, human.Quote(invalid.GetValue()), valueWanted(f, errors.Unwrap(err)))
		}
		return usagef("%s", oneLine(err.Error()))
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %s", human.Quote(fs.Arg(0)))
	}
	return o.finish(te, fs)
}

// devNull discards what is written to it.
type devNull struct{}

func (devNull) Write(p []byte) (int, error) { return len(p), nil }

func sweepRun(e *env, o *sweepOptions) error {
	var s *sweep.Sweep
	if o.resume != "" {
		if err := needFolder("--resume", o.resume); err != nil {
			return err
		}
		var err error
		if s, err = sweep.Open(o.resume); err != nil {
			return err
		}
		defer s.Close()
	} else {
		spec, err := sweep.ParseArgs(o.train, sweepFlags(e), o.random, o.seed)
		if err != nil {
			return specUsage(err)
		}
		// Checked before the folder is made: a bad value writes nothing.
		probe, err := spec.Plan()
		if err != nil {
			return specUsage(err)
		}
		if err := checkRanges(e, spec, probe[0], filepath.Join(o.out, probe[0].Name)); err != nil {
			return err
		}
		if err := checkTrials(e, &sweep.Sweep{Trials: entries(probe)}); err != nil {
			return err
		}
		if s, err = sweep.Create(o.out, spec, o.train, time.Now()); err != nil {
			return err
		}
		defer s.Close()
	}
	if err := checkTrials(e, s); err != nil { // sweep.json is read back: trust nothing
		return err
	}
	logs := filepath.Join(s.Dir(), "logs")
	if err := os.MkdirAll(logs, 0o755); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "sweep    %s: %d trials, swept %s; each trial's output in %s\n",
		s.Dir(), len(s.Trials), strings.Join(s.Swept, ", "), logs)
	trainFn := o.trainFn
	if trainFn == nil {
		trainFn = func(ctx context.Context, args []string) error {
			name := filepath.Base(strings.TrimPrefix(strings.TrimPrefix(args[len(args)-1], "--run-dir="), "--resume="))
			return trainInProcess(e, filepath.Join(logs, name+".log"))(ctx, args)
		}
	}
	err := s.Run(e.ctx, trainFn, e.stdout)
	if errors.Is(err, context.Canceled) || e.ctx.Err() != nil {
		fmt.Fprintf(e.stderr, "neurona sweep: stopped; continue with: neurona sweep --resume %s\n", s.Dir())
		return e.ctx.Err()
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout)
	if err := s.WriteBoard(e.stdout); err != nil {
		return err
	}
	written, warnings, err := s.WriteResults()
	finished, failed := s.Count()
	for _, w := range warnings {
		if finished > 0 { // else the line below says why there is no picture
			fmt.Fprintf(e.stderr, "neurona sweep: warning: %s\n", human.Text(w))
		}
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "wrote    %s in %s\n", strings.Join(written, ", "), s.Dir())
	retry := fmt.Sprintf("each trial's output is in %s; `neurona sweep --resume %s` tries again those that did not diverge", logs, s.Dir())
	switch {
	case finished == 0:
		return fmt.Errorf("no trial finished: %d of %d failed (%s)", failed, len(s.Trials), retry)
	case failed > 0:
		fmt.Fprintf(e.stderr, "neurona sweep: %d of %d trials failed (%s)\n", failed, len(s.Trials), retry)
	}
	return nil
}

// specUsage says a sweep specification's error as a usage error.
func specUsage(err error) error {
	var se *sweep.SpecError
	if errors.As(err, &se) {
		return usagef("%s", se.Problem)
	}
	return err
}

// entries wraps planned trials for checkTrials.
func entries(trials []sweep.Trial) []sweep.Entry {
	out := make([]sweep.Entry, len(trials))
	for i, t := range trials {
		out[i].Trial = t
	}
	return out
}
