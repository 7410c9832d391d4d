// Package cli implements neurona's command line: one file per subcommand,
// each with an options struct, a parse function that fills it from flags
// (tests call it without running anything) and a run function.
//
// Errors map to exit codes in one place, exitCode, by one rule:
//
//   - 2: the command line is wrong. An unknown command, subcommand or flag, a
//     missing or extra argument, a value out of range (each message says
//     what is accepted), a configuration that cannot fit in the machine's
//     memory, or a path given on the command line that does not exist
//     (missingPathError, which wraps fs.ErrNotExist) or is not the kind of
//     thing asked for (a file where a folder is wanted, a checkpoint where a
//     run folder is wanted).
//   - 1: the command line is fine but the work failed. A file or folder
//     that exists but is bad (corrupt, truncated, unreadable, not MNIST, a
//     checkpoint that does not verify), even when a file expected inside it
//     is missing, and any other failure (a full disk, a backend error).
//   - 130 and 143: interrupted by SIGINT or SIGTERM.
//
// Neither panics nor stack traces reach the user: every error is one line.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/neurona/neurona/train"
	"github.com/neurona/neurona/train/backend"
)

// Exit codes.
const (
	ExitOK          = 0
	ExitFailure     = 1
	ExitUsage       = 2
	ExitInterrupted = 130 // SIGINT (Ctrl-C)
	ExitTerminated  = 143 // SIGTERM
)

// usageError is a bad command line: Main prints it and exits 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return usageError{fmt.Sprintf(format, args...)}
}

// env is what a subcommand runs with.
type env struct {
	ctx            context.Context
	stdout, stderr io.Writer
	getenv         func(string) string
}

type command struct {
	name, summary string
	run           func(e *env, args []string) error
}

func commands() []command {
	return []command{
		{"train", "train a model on MNIST or your data and write a run folder (resume one with --resume)", runTrain},
		{"eval", "evaluate a trained model on the test set of the data it was trained on", runEval},
		{"predict", "predict the classes of PNG images or of test images", runPredict},
		{"checkpoints", "list, inspect, verify or prune a run's checkpoints", runCheckpoints},
		{"report", "write a run's report.html: configuration, curves, confusion matrix, mistakes", runReport},
		{"serve", "serve a runs folder as a local web app: live curves, results, a pad to draw digits on", runServe},
		{"explain", "draw what a trained model's first layer looks for, as 28x28 weight images", runExplain},
		{"plot", "draw reference pictures (activations: the activation functions and their derivatives)", runPlot},
		{"data", "find, check, download or show MNIST (info, verify, fetch, show)", runData},
		{"models", "list the models, activations, losses and optimizers", runModels},
		{"backends", "list the compute backends and why any is unavailable", runBackends},
		{"bench", "measure training and inference speed per backend and batch size", runBench},
		{"version", "print the version and how the binary was built", runVersion},
	}
}

// Main runs the command line args and returns the process exit code.
func Main(args []string, stdout, stderr io.Writer) (code int) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "neurona: internal error: %v\n", r)
			code = ExitFailure
		}
	}()
	if !train.Build().SIMD {
		fmt.Fprintln(stderr, "neurona: warning: built without GOEXPERIMENT=simd; the Go backend runs several times slower (build with `make build`)")
	}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		if len(args) > 1 {
			return Main([]string{args[1], "--help"}, stdout, stderr)
		}
		printHelp(stdout)
		return ExitOK
	}
	name := args[0]
	args, plugin, err := extractPJRTPlugin(args)
	if err != nil {
		fmt.Fprintf(stderr, "neurona %s: %v\n", strings.TrimLeft(name, "-"), err)
		return ExitUsage
	}
	if plugin != "" {
		_ = os.Setenv(backend.EnvPJRTPlugin, plugin)
	}
	if len(args) == 0 {
		printHelp(stdout)
		return ExitOK
	}
	ctx, stop := signalContext(stderr)
	defer stop()
	e := &env{ctx: ctx, stdout: stdout, stderr: stderr, getenv: os.Getenv}
	for _, c := range commands() {
		if c.name == args[0] {
			return exitCode(ctx, stderr, c.name, c.run(e, args[1:]))
		}
	}
	fmt.Fprintf(stderr, "neurona: unknown command %q (accepted: %s; see `neurona help`)\n", args[0], commandNames())
	return ExitUsage
}

// signalError is the cause of a context cancelled by a signal.
type signalError struct{ sig os.Signal }

func (e signalError) Error() string { return "interrupted by " + e.sig.String() }

// forceExitAfter is how long a command may run on after a signal before
// the process exits anyway: a compiled call that never returns (a backend
// deadlock) must not keep `timeout` or a service manager waiting. Training
// gives up on such a call sooner (train.SignalGrace) and says which
// checkpoint is intact; this catches every other command.
var forceExitAfter = 10 * time.Second

// forceExit ends the process; tests replace it.
var forceExit = os.Exit

// signalContext returns a context cancelled by the first SIGINT or SIGTERM,
// with the signal as its cause. Only the first is caught: a second Ctrl-C
// kills the process the default way, for a user who will not wait. A
// command still running forceExitAfter after the signal is ended with the
// signal's exit code and a line on stderr.
func signalContext(stderr io.Writer) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(context.Background())
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case sig := <-sigs:
			signal.Stop(sigs)
			cancel(signalError{sig})
			select {
			case <-time.After(forceExitAfter):
				code, name := ExitInterrupted, "SIGINT"
				if sig == syscall.SIGTERM {
					code, name = ExitTerminated, "SIGTERM"
				}
				fmt.Fprintf(stderr, "neurona: still running %s after %s (a call that does not return); exiting\n", forceExitAfter, name)
				forceExit(code)
			case <-done:
			}
		case <-done:
		}
	}()
	return ctx, func() {
		close(done)
		signal.Stop(sigs)
		cancel(nil)
	}
}

func exitCode(ctx context.Context, stderr io.Writer, name string, err error) int {
	var ue usageError
	switch {
	case err == nil || errors.Is(err, flag.ErrHelp):
		return ExitOK
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "neurona %s: %s\n", name, ue.msg)
		return ExitUsage
	case errors.As(err, new(*missingPathError)):
		// Only a path named on the command line: a file missing inside a
		// folder that exists wraps fs.ErrNotExist too, and exits 1.
		fmt.Fprintf(stderr, "neurona %s: %s\n", name, oneLine(err.Error()))
		return ExitUsage
	case errors.Is(err, context.Canceled):
		detail := "" // a call that did not return after the signal: which, and the last intact checkpoint
		if errors.Is(err, train.ErrCallAbandoned) {
			detail = ": " + oneLine(err.Error())
		}
		var se signalError
		if errors.As(context.Cause(ctx), &se) && se.sig == syscall.SIGTERM {
			fmt.Fprintf(stderr, "neurona %s: terminated (SIGTERM)%s\n", name, detail)
			return ExitTerminated
		}
		fmt.Fprintf(stderr, "neurona %s: interrupted%s\n", name, detail)
		return ExitInterrupted
	default:
		fmt.Fprintf(stderr, "neurona %s: %s\n", name, oneLine(err.Error()))
		return ExitFailure
	}
}

// oneLine keeps the first line of an error: GoMLX errors may carry a stack.
func oneLine(s string) string {
	first, _, _ := strings.Cut(s, "\n")
	return first
}

func commandNames() string {
	var names []string
	for _, c := range commands() {
		names = append(names, c.name)
	}
	return strings.Join(names, ", ")
}

func printHelp(w io.Writer) {
	fmt.Fprintln(w, "neurona trains neural networks on MNIST, on the CPU or a GPU.")
	fmt.Fprintln(w, "\nUsage: neurona <command> [flags]\n\nCommands:")
	width := 0
	for _, c := range commands() {
		width = max(width, len(c.name))
	}
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-*s  %s\n", width, c.name, c.summary)
	}
	fmt.Fprintln(w, "\nGlobal flag: --pjrt-plugin PATH, a CUDA PJRT plugin (.so or a folder holding one) to use for xla:cuda.")
	fmt.Fprintln(w, "\nRun `neurona <command> --help` for a command's flags and defaults.")
}

// newFlags returns a flag set that reports errors through usageError and
// prints its help on --help only.
func newFlags(name, synopsis string, stdout io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("neurona "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		fmt.Fprintf(stdout, "Usage: neurona %s\n\nFlags:\n", synopsis)
		fs.SetOutput(stdout)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	return fs
}

// parseFlags parses args, turning flag errors into one-line usage errors.
func parseFlags(fs *flag.FlagSet, args []string) error {
	// The flag package calls Usage on --help and on every parse error; keep
	// it quiet during Parse so that help prints once, and only on --help.
	usage := fs.Usage
	fs.Usage = func() {}
	err := fs.Parse(args)
	fs.Usage = usage
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.Usage()
			return err
		}
		return usagef("%v (see `%s --help`)", err, fs.Name())
	}
	return nil
}
