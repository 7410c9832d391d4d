// Package cli implements neurona's command line on cobra and pflag (GNU
// flags: --flag, --flag=value, --flag=false; completion; suggestions). One
// file per subcommand, each after the GitHub CLI's pattern: an options
// struct, a constructor newCmdX(e, runF) that builds the cobra.Command and
// fills the options from the flags, and a run function xRun(e, opts) that
// does the work. Tests pass a runF that captures the options instead.
//
// Errors map to exit codes in one place, exitCode (through Main), which
// also adds the command line's advice to the engine's typed errors (the
// flag that gets around one: advice.go; the engine names no flag), by one
// rule:
//
//   - 2: the command line is wrong. An unknown command, subcommand or flag, a
//     missing or extra argument, a value out of range (each message says
//     what is accepted), a configuration that cannot fit in the machine's
//     memory, or a path given on the command line that does not exist
//     (missingPathError, which wraps fs.ErrNotExist) or is not the kind of
//     thing asked for (a file where a folder is wanted, a checkpoint where a
//     run folder is wanted).
//     A path of the wrong kind is 2 wherever it is met, on the command
//     line or inside a folder it names (wrongKind): a named pipe, device
//     or directory where a regular file is read or written, or a link
//     where one is replaced (safefile.ErrNotRegular, which data and
//     checkpoint share), a loop of symbolic links, a file where a folder
//     is wanted. Shards the Go backend's options cannot run
//     (backend.PoolError) are 2 too.
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
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/neurona/neurona/data"
	"github.com/neurona/neurona/internal/human"
	"github.com/neurona/neurona/internal/safefile"
	"github.com/neurona/neurona/train"
	"github.com/neurona/neurona/train/backend"
	"github.com/neurona/neurona/train/buildinfo"
	"github.com/neurona/neurona/train/config"
	"github.com/neurona/neurona/train/runfolder"
	"github.com/spf13/cobra"
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
	deps           Deps
	data           *dataCache // a sweep's data sets, shared by its trials; nil: each command loads its own
}

// Deps are what the commands run with besides their arguments and output:
// Main's are the zero value. Tests that run neurona as a program (the crash
// test, the signal tests) pass their own to MainWith, to stop a run at an
// event or to make one of its calls hang, as cli/cli's commands take their
// HTTP client in their options.
type Deps struct {
	// Observe also receives the events of every run trained, after the
	// command line's view of them; with `train --seeds`, of several runs
	// at once, from their goroutines.
	Observe train.Observer
	// Faults are injected into every run trained.
	Faults train.Faults
	// Run trains one run in place of train.Run (nil: train.Run): a
	// train.Group's Run makes the run a member of a group.
	Run func(ctx context.Context, cfg config.Config, mnist *data.MNIST, opts train.Options) (*runfolder.Summary, error)
}

// commands returns neurona's subcommands, each built to run its work.
func commands(e *env) []*cobra.Command {
	// Before any command is built: newCmdCheckpoints reads its subcommands
	// while building, which sorts them for good if sorting is still on
	// (newRootCmd, which turns it off, runs after this).
	noCommandSorting()
	return []*cobra.Command{
		newCmdTrain(e, nil),
		newCmdEval(e, nil),
		newCmdPredict(e, nil),
		newCmdCheckpoints(e, nil),
		newCmdReport(e, nil),
		newCmdSweep(e, nil),
		newCmdRuns(e, nil),
		newCmdServe(e, nil),
		newCmdExplain(e, nil),
		newCmdPlot(e, nil),
		newCmdExport(e, nil),
		newCmdData(e),
		newCmdModels(e),
		newCmdBackends(e),
		newCmdBench(e, nil),
		newCmdVersion(e),
		newCmdCompletion(e),
	}
}

// Main runs the command line args and returns the process exit code.
func Main(args []string, stdout, stderr io.Writer) int { return MainWith(args, stdout, stderr, Deps{}) }

// MainWith is Main with deps.
func MainWith(args []string, stdout, stderr io.Writer, deps Deps) (code int) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "neurona: internal error: %v\n", r)
			code = ExitFailure
		}
	}()
	if !buildinfo.Get().SIMD {
		fmt.Fprintln(stderr, "neurona: warning: built without GOEXPERIMENT=simd; the Go backend runs several times slower (build with `make build`)")
	}
	ctx, stop := signalContext(stderr)
	defer stop()
	e := &env{ctx: ctx, stdout: stdout, stderr: stderr, getenv: os.Getenv, deps: deps}
	cmd, err := execute(newRootCmd(e, commands(e)...), args)
	return exitCode(ctx, stderr, commandPath(cmd), err)
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

// forceTimer starts the wait for forceExitAfter (tests fire it themselves).
var forceTimer = time.After

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
	ended := make(chan struct{}) // the goroutine below has returned
	go func() {
		defer close(ended)
		select {
		case sig := <-sigs:
			signal.Stop(sigs)
			cancel(signalError{sig})
			select {
			case <-forceTimer(forceExitAfter):
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
		<-ended // after stop, nothing forces an exit
		signal.Stop(sigs)
		cancel(nil)
	}
}

// exitCode prints err, if any, as one line on stderr after the command's
// path ("neurona train") and returns the exit code the package's rule
// gives it.
func exitCode(ctx context.Context, stderr io.Writer, name string, err error) int {
	var ue usageError
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "%s: %s\n", name, human.Text(ue.msg))
		return ExitUsage
	case errors.As(err, new(*missingPathError)):
		// Only a path named on the command line: a file missing inside a
		// folder that exists wraps fs.ErrNotExist too, and exits 1.
		fmt.Fprintf(stderr, "%s: %s\n", name, withAdvice(err))
		return ExitUsage
	case wrongKind(err), errors.As(err, new(*backend.PoolError)): // the backend's options and the shards conflict
		fmt.Fprintf(stderr, "%s: %s\n", name, withAdvice(err))
		return ExitUsage
	case errors.Is(err, context.Canceled):
		detail := "" // a call that did not return after the signal: which, and the last intact checkpoint
		if errors.Is(err, train.ErrCallAbandoned) {
			detail = ": " + oneLine(err.Error())
		}
		var se signalError
		if errors.As(context.Cause(ctx), &se) && se.sig == syscall.SIGTERM {
			fmt.Fprintf(stderr, "%s: terminated (SIGTERM)%s\n", name, detail)
			return ExitTerminated
		}
		fmt.Fprintf(stderr, "%s: interrupted%s\n", name, detail)
		return ExitInterrupted
	default:
		fmt.Fprintf(stderr, "%s: %s\n", name, withAdvice(err))
		return ExitFailure
	}
}

// wrongKind reports whether err is a path of the wrong kind: something
// other than a regular file where one is read or written, a loop of
// symbolic links (ELOOP), or a file where a path needs a folder (ENOTDIR).
func wrongKind(err error) bool {
	return errors.Is(err, safefile.ErrNotRegular) || errors.Is(err, syscall.ELOOP) || errors.Is(err, syscall.ENOTDIR)
}

// oneLine keeps the first line of an error (GoMLX errors may carry a
// stack), escaped for the terminal: errors quote paths and what files say.
func oneLine(s string) string {
	first, _, _ := strings.Cut(s, "\n")
	return human.Text(first)
}
