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

	"github.com/neurona/neurona/internal/human"
	"github.com/neurona/neurona/internal/safefile"
	"github.com/neurona/neurona/internal/sweep"
	"github.com/neurona/neurona/train/config"
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
	jobs   int      // --jobs: trials (or groups) at once; 0 not given (new: 1, resumed: as recorded)
	group  int      // --group: most trials in one group, 0 automatic; -1 not given (automatic)

	// What trains, nil for the real thing; tests give fakes. trainFn
	// trains a trial alone, groupFn returns the function the n members of
	// a group share (nil for both: `neurona train` in this process, its
	// output in the sweep's logs/); newGroup makes the run function those
	// members' in-process trains share (nil: train.NewGroup(n)); groupKey
	// is train.GroupKey, maxMembers train.MaxMembers.
	trainFn    sweep.TrainFunc
	groupFn    func(n int) sweep.TrainFunc
	newGroup   func(n int) groupRunner
	groupKey   func(config.Config) (key, why string)
	maxMembers func(config.Config) int
}

const sweepLong = `Trains one run per combination of the values given to train's flags (the grid), or --random N runs
drawn from lists and ranges, each an ordinary run folder under --out.

Values are comma-separated choices: --lr 1e-3,3e-3 --activation relu,tanh --batch-size 64,128.
A --hidden choice is layer widths joined by +, WIDTHxN for N layers, or none:
--hidden 256,512x2,128+64. With --random N a value may also be a range lo:hi (uniform) or
lo:hi:log (log-uniform): --lr 1e-4:1e-2:log, and --hidden-width 64:1024 with --hidden-layers 1:3
draw the hidden layers. Values are drawn in full precision and no two trials alike: an N larger
than the number of distinct configurations is refused. Any other train flag may be given, fixed
or as a list; --run-dir and --resume are the sweep's own.

Trials are ranked by best validation accuracy (never by test accuracy, shown for information). The
sweep folder holds sweep.json (the plan and every result), sweep.md (the leaderboard), sweep.png and
report.html. An interrupted sweep (Ctrl-C, a kill) continues with --resume DIR: finished trials are
kept, the interrupted one resumes from its checkpoint, failed ones are tried again (unless they
diverged), the rest run. One process at a time runs a sweep folder: another is refused (exit 1). A
sweep in which no trial finished exits 1.

Trials whose shapes match (train decides which: same layers, batch size, optimizer...) train
together in one program, in groups of at most --group (0, the default: up to 64; 1: every trial
alone) and of no more than the machine's memory holds. The groups are planned when the sweep starts
and recorded: --resume trains the same groups. --jobs N trains N trials (or groups) at once on the
Go backend (the CPU), sharing its cores, as many as memory holds; each trial keeps the shards its
step takes alone (chosen once per sweep from the cores), so its results are those of --jobs 1.
--resume keeps the recorded --jobs, or takes a new one.`

// sweepOwnFlags are the flags sweep parses itself; all others go to train.
var sweepOwnFlags = map[string]bool{"out": true, "resume": true, "random": true, "sweep-seed": true, "jobs": true, "group": true, "help": true}

// newCmdSweep builds `neurona sweep`. Its flags are train's, with lists, so
// cobra does not parse them: sweep.ParseArgs does, checking each name
// against train's own flags.
func newCmdSweep(e *env, runF func(*sweepOptions) error) *cobra.Command {
	cmd := &cobra.Command{
		Use:                "sweep --out DIR [--random N] [flags] --FLAG V1,V2... | --resume DIR [--jobs N]",
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
	cmd.Flags().Int("jobs", 1, "trials (or groups) trained at once on the Go backend, sharing the cores (1 to one per core); results as with 1; --resume keeps it unless given")
	cmd.Flags().Int("group", 0, fmt.Sprintf("most trials of one shape trained together in one program (0: automatic, up to %d; 1: every trial alone); planned once, --resume keeps it", sweep.MaxGroup))
	return cmd
}

// parseSweepArgs splits sweep's own flags from train's.
func parseSweepArgs(args []string) (o *sweepOptions, help bool, err error) {
	o = &sweepOptions{seed: 1, group: -1}
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
		case "jobs":
			n, err := strconv.Atoi(value)
			if err != nil || n < 1 || n > maxJobs() {
				return nil, false, usagef("--jobs %s (want 1 to %d: trials trained at once, at most one per core of this machine)", human.Quote(value), maxJobs())
			}
			o.jobs = n
		case "group":
			n, err := strconv.Atoi(value)
			if err != nil || n < 0 || n > sweep.MaxGroup {
				return nil, false, usagef("--group %s (want 0, automatic, to %d: the most trials trained together; 1: every trial alone)", human.Quote(value), sweep.MaxGroup)
			}
			o.group = n
		}
	}
	switch {
	case o.resume != "" && o.group >= 0:
		return nil, false, usagef("--group is planned when a sweep starts: --resume trains the groups its sweep.json records (--jobs may change)")
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
// appended to log, with e's dependencies and run training the run in place
// of train.Run (nil: train.Run or e's Run): what a sweep's trial does.
func trainInProcess(e *env, log string, run runFunc) sweep.TrainFunc {
	return func(ctx context.Context, args []string) error {
		f, err := safefile.OpenFile(log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return fmt.Errorf("trial log: %w", err)
		}
		defer f.Close()
		fmt.Fprintf(f, "$ neurona train %s\n", strings.Join(args, " "))
		te := &env{ctx: ctx, stdout: f, stderr: f, getenv: e.getenv, deps: e.deps, data: e.data}
		if run != nil {
			te.deps.Run = run
		}
		_, err = execute(newRootCmd(te, newCmdTrain(te, nil)), append([]string{"train", "--progress=never"}, args...))
		return err
	}
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
// configuration they give, without training.
func checkTrainArgs(e *env, args []string) error {
	_, err := parseTrainArgs(e, args)
	return err
}

// parseTrainArgs parses args as `neurona train` would and checks the
// configuration they give, without training: train's flags in a flag set
// of their own, no command built.
func parseTrainArgs(e *env, args []string) (*trainOptions, error) {
	te := &env{ctx: e.ctx, stdout: devNull{}, stderr: devNull{}, getenv: e.getenv}
	o := &trainOptions{}
	fs := pflag.NewFlagSet("neurona train", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	defineTrainFlags(fs, o)
	if err := fs.Parse(args); err != nil {
		var invalid *pflag.InvalidValueError
		if errors.As(err, &invalid) {
			f := invalid.GetFlag()
			return nil, usagef("--%s %s: %s", f.Name, human.Quote(invalid.GetValue()), valueWanted(f, errors.Unwrap(err)))
		}
		return nil, usagef("%s", oneLine(err.Error()))
	}
	if fs.NArg() > 0 {
		return nil, usagef("unexpected argument %s", human.Quote(fs.Arg(0)))
	}
	return o, o.finish(te, fs)
}

// devNull discards what is written to it.
type devNull struct{}

func (devNull) Write(p []byte) (int, error) { return len(p), nil }

func sweepRun(e *env, o *sweepOptions) error {
	create := createSweep
	if o.resume != "" {
		create = resumeSweep
	}
	s, p, err := create(e, o)
	if err != nil {
		return err
	}
	defer s.Close()
	logs := filepath.Join(s.Dir(), "logs")
	if err := os.MkdirAll(logs, 0o755); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "sweep    %s: %d trials, swept %s; each trial's output in %s\n",
		s.Dir(), len(s.Trials), strings.Join(s.Swept, ", "), logs)
	fmt.Fprintln(e.stdout, groupsLine(s, p))
	trials := *e
	trials.data = &dataCache{} // the trials share one copy of each data set
	err = s.RunWith(e.ctx, sweepRunner(&trials, o, logs, sweepJobs(e, s, p), groupLabel(s)))
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

// entries wraps planned trials for planSweep.
func entries(trials []sweep.Trial) []sweep.Entry {
	out := make([]sweep.Entry, len(trials))
	for i, t := range trials {
		out[i].Trial = t
	}
	return out
}
