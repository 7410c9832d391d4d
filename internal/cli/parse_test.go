package cli

import (
	"flag"

	"github.com/spf13/cobra"
)

// parseCmd runs the command build makes, under neurona's root, on args
// with a runF that captures its options instead of running: what the
// command line parses to. Help prints and gives flag.ErrHelp; a usage
// error comes back as Main would map it.
func parseCmd[O any](e *env, args []string, build func(runF func(*O) error) *cobra.Command) (*O, error) {
	var got *O
	cmd := build(func(o *O) error { got = o; return nil })
	if _, err := execute(newRootCmd(e, cmd), append([]string{cmd.Name()}, args...)); err != nil {
		return nil, err
	}
	if got == nil {
		return nil, flag.ErrHelp
	}
	return got, nil
}

func parseTrain(args []string, e *env) (*trainOptions, error) {
	return parseCmd(e, args, func(runF func(*trainOptions) error) *cobra.Command { return newCmdTrain(e, runF) })
}

func parseEval(args []string, e *env) (*evalOptions, error) {
	return parseCmd(e, args, func(runF func(*evalOptions) error) *cobra.Command { return newCmdEval(e, runF) })
}

func parsePredict(args []string, e *env) (*predictOptions, error) {
	return parseCmd(e, args, func(runF func(*predictOptions) error) *cobra.Command { return newCmdPredict(e, runF) })
}

func parseReport(args []string, e *env) (*reportOptions, error) {
	return parseCmd(e, args, func(runF func(*reportOptions) error) *cobra.Command { return newCmdReport(e, runF) })
}

func parseExplain(args []string, e *env) (*explainOptions, error) {
	return parseCmd(e, args, func(runF func(*explainOptions) error) *cobra.Command { return newCmdExplain(e, runF) })
}

func parseBench(args []string, e *env) (*benchOptions, error) {
	return parseCmd(e, args, func(runF func(*benchOptions) error) *cobra.Command { return newCmdBench(e, runF) })
}

// parseCheckpoints parses `neurona checkpoints ARGS` (args start with
// the subcommand).
func parseCheckpoints(args []string, e *env) (*checkpointsOptions, error) {
	return parseCmd(e, args, func(runF func(*checkpointsOptions) error) *cobra.Command { return newCmdCheckpoints(e, runF) })
}

// parsePlotActivations parses `neurona plot activations ARGS`.
func parsePlotActivations(args []string, e *env) (*plotActivationsOptions, error) {
	return parseCmd(e, append([]string{"activations"}, args...),
		func(runF func(*plotActivationsOptions) error) *cobra.Command { return newCmdPlot(e, runF) })
}

// parseShow parses `neurona data show ARGS`.
func parseShow(args []string, e *env) (*showOptions, error) {
	return parseCmd(e, append([]string{"show"}, args...), func(runF func(*showOptions) error) *cobra.Command {
		data := &cobra.Command{Use: "data", Args: cobra.ArbitraryArgs, RunE: groupRunE}
		data.AddCommand(newCmdDataShow(e, runF))
		return data
	})
}

// runDataShow runs `neurona data show ARGS` with e.
func runDataShow(e *env, args []string) error {
	_, err := execute(newRootCmd(e, newCmdData(e)), append([]string{"data", "show"}, args...))
	return err
}

func parseServe(args []string, e *env) (*serveOptions, error) {
	return parseCmd(e, args, func(runF func(*serveOptions) error) *cobra.Command { return newCmdServe(e, runF) })
}

// runServe runs `neurona serve ARGS` with e.
func runServe(e *env, args []string) error {
	_, err := execute(newRootCmd(e, newCmdServe(e, nil)), append([]string{"serve"}, args...))
	return err
}
