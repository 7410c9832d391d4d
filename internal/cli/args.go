package cli

import "github.com/spf13/cobra"

// The Args of neurona's commands: each refuses a missing or extra
// argument with one usage line (exit 2), like every bad command line.

// noArgs is the Args of a command that takes only flags.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usagef("unexpected argument %q (%s takes only flags; see `%s --help`)", args[0], cmd.CommandPath(), cmd.CommandPath())
	}
	return nil
}

// onePath is the Args of a command that takes one folder; what names it
// in the error when it is missing ("the run folder to report on").
func onePath(what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		switch {
		case len(args) == 0:
			return usagef("missing %s (see `%s --help`)", what, cmd.CommandPath())
		case len(args) > 1:
			return usagef("unexpected argument %q (%s takes one folder)", args[1], cmd.CommandPath())
		}
		return nil
	}
}
