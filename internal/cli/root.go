package cli

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/neurona/neurona/train/backend"
	"github.com/neurona/neurona/train/buildinfo"
	"github.com/spf13/cobra"
)

// rootSummary is the first line of `neurona --help`.
const rootSummary = "neurona trains neural networks on MNIST, on the CPU or a GPU."

// newRootCmd returns `neurona` with the subcommands subs: the global
// --pjrt-plugin flag, --version, the help command, one-line flag errors
// with suggestions, and neurona's help layout.
func newRootCmd(e *env, subs ...*cobra.Command) *cobra.Command {
	noCommandSorting()
	var plugin string
	root := &cobra.Command{
		Use:     "neurona",
		Short:   rootSummary,
		Version: versionLine(),
		// The root runs only to print its help (no arguments) or to refuse
		// an unknown command in one line with a suggestion.
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cmd.Help()
			}
			return unknownCommand(cmd, args[0])
		},
		PersistentPreRunE: func(*cobra.Command, []string) error {
			if plugin != "" {
				if err := os.Setenv(backend.EnvPJRTPlugin, plugin); err != nil {
					return fmt.Errorf("--pjrt-plugin: %w", err)
				}
			}
			return nil
		},
		SilenceErrors:     true, // Main prints every error, in one line
		SilenceUsage:      true,
		CompletionOptions: cobra.CompletionOptions{DisableDefaultCmd: true}, // newCmdCompletion instead
	}
	root.SetVersionTemplate("{{.Version}}\n")
	root.PersistentFlags().StringVar(&plugin, "pjrt-plugin", "", "a CUDA PJRT plugin (.so, or a folder holding one) to use for xla:cuda")
	root.SetFlagErrorFunc(flagError)
	root.SetHelpFunc(printHelp)
	root.SetHelpCommand(newCmdHelp())
	root.AddCommand(subs...)
	root.InitDefaultHelpCmd()
	root.InitDefaultHelpFlag()
	root.InitDefaultVersionFlag()
	root.SetOut(e.stdout)
	root.SetErr(e.stderr)
	markRunErrors(root)
	return root
}

// sortingOff turns cobra's command sorting off once.
var sortingOff sync.Once

// noCommandSorting lists commands in the order they are added (train
// first), not alphabetically. cobra has only a package-wide switch for it:
// set where the command tree is built, not as a side effect of importing
// the package, and once, since a sweep builds a `neurona train` per trial,
// several at once with --jobs or groups.
func noCommandSorting() { sortingOff.Do(func() { cobra.EnableCommandSorting = false }) }

// versionLine is what `neurona version` and `neurona --version` print.
func versionLine() string {
	b := buildinfo.Get()
	return fmt.Sprintf("neurona %s (GoMLX %s, %s %s/%s, GOEXPERIMENT=%s)", b.Version, b.GoMLX, b.GoVersion, b.OS, b.Arch, b.GOEXPERIMENT)
}

// ranError is an error returned by a command's own RunE: its work or its
// checks of the options. Every other error out of cobra is about the
// command line itself (execute makes it a usage error).
type ranError struct{ err error }

func (e ranError) Error() string { return e.err.Error() }
func (e ranError) Unwrap() error { return e.err }

// markRunErrors wraps the RunE of c and of every command below it so that
// their errors are ranErrors.
func markRunErrors(c *cobra.Command) {
	if run := c.RunE; run != nil {
		c.RunE = func(cmd *cobra.Command, args []string) error {
			if err := run(cmd, args); err != nil {
				return ranError{err}
			}
			return nil
		}
	}
	for _, sub := range c.Commands() {
		markRunErrors(sub)
	}
}

// execute runs root on args and returns the command that ran (or failed to
// parse) and its error. Errors cobra itself returns are usage errors; a
// boolean flag followed by a stray true or false is refused before
// parsing (pflag would take the word as an argument).
func execute(root *cobra.Command, args []string) (*cobra.Command, error) {
	if args == nil {
		args = []string{} // cobra reads os.Args when given nil
	}
	root.SetArgs(args)
	if cmd, _, err := root.Find(args); err == nil {
		if err := strayFlagValue(cmd, args); err != nil {
			return cmd, err
		}
	}
	cmd, err := root.ExecuteC()
	if err != nil && !errors.As(err, new(ranError)) {
		var ue usageError
		if !errors.As(err, &ue) {
			err = usageError{oneLine(err.Error())}
		}
	}
	return cmd, err
}

// commandPath is the path of cmd for messages: "neurona train".
func commandPath(cmd *cobra.Command) string {
	if cmd == nil {
		return "neurona"
	}
	return cmd.CommandPath()
}

// newCmdHelp is `neurona help [command...]`: a command's help, or one line
// for a command that does not exist.
func newCmdHelp() *cobra.Command {
	return &cobra.Command{
		Use:   "help [command]",
		Short: "show a command's flags and defaults",
		Args:  cobra.ArbitraryArgs,
		ValidArgsFunction: func(cmd *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
			target, rest, err := cmd.Root().Find(args)
			if err != nil || len(rest) > 0 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			var names []cobra.Completion
			for _, sub := range target.Commands() {
				if sub.IsAvailableCommand() {
					names = append(names, cobra.CompletionWithDesc(sub.Name(), sub.Short))
				}
			}
			return names, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			target, rest, err := cmd.Root().Find(args)
			switch {
			case err != nil:
				return usagef("%v", err)
			case len(rest) > 0 && target == cmd.Root():
				return unknownCommand(target, rest[0])
			case len(rest) > 0 && target.HasAvailableSubCommands():
				return unknownSubcommand(target, rest[0])
			}
			return target.Help()
		},
	}
}

// subcommandNames lists cmd's visible subcommands, comma-separated.
func subcommandNames(cmd *cobra.Command) string {
	var names []string
	for _, sub := range cmd.Commands() {
		if sub.IsAvailableCommand() && sub.Name() != "help" {
			names = append(names, sub.Name())
		}
	}
	return strings.Join(names, ", ")
}

// unknownCommand is the error of `neurona NAME` for a NAME that is no
// command, with cobra's suggestion where one is close.
func unknownCommand(root *cobra.Command, name string) error {
	return usagef("unknown command %q (accepted: %s%s; see `neurona help`)", name, subcommandNames(root), suggestCommand(root, name))
}

// unknownSubcommand is the error of a group command given a subcommand
// it does not have.
func unknownSubcommand(group *cobra.Command, name string) error {
	return usagef("unknown %s %q (accepted: %s%s; see `%s --help`)", subcommandNoun(group), name, subcommandNames(group), suggestCommand(group, name), group.CommandPath())
}

// suggestCommand is "; did you mean X?" for the subcommand of cmd nearest
// to name (as for flags, see nearest), else "".
func suggestCommand(cmd *cobra.Command, name string) string {
	var names []string
	for _, sub := range cmd.Commands() {
		if sub.IsAvailableCommand() {
			names = append(names, sub.Name())
		}
	}
	if s := nearest(name, names); s != "" {
		return "; did you mean " + s + "?"
	}
	return ""
}

// groupRunE is the RunE of a command that only groups subcommands
// (checkpoints, data, plot): without one, or with an unknown one, it says
// in one line which it has, and exits 2.
// `neurona checkpoints help [list]` is `neurona checkpoints [list] --help`.
func groupRunE(cmd *cobra.Command, args []string) error {
	if len(args) > 0 && args[0] == "help" {
		target, rest, err := cmd.Find(args[1:])
		if err != nil || len(rest) > 0 {
			return unknownSubcommand(cmd, strings.Join(args[1:], " "))
		}
		return target.Help()
	}
	if len(args) == 0 {
		return usagef("missing %s (accepted: %s; see `%s --help`)", subcommandNoun(cmd), subcommandNames(cmd), cmd.CommandPath())
	}
	return unknownSubcommand(cmd, args[0])
}

// annotationNoun annotates a group command with what its subcommands are
// ("picture" for plot); "subcommand" if not.
const annotationNoun = "neurona_noun"

func subcommandNoun(cmd *cobra.Command) string {
	if n := cmd.Annotations[annotationNoun]; n != "" {
		return n
	}
	return "subcommand"
}
