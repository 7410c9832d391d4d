package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// annotationGroup annotates a flag with the heading it is listed under in
// its command's help and in docs/commands.md (train's ~35 flags come in
// groups).
const annotationGroup = "neurona_group"

// helpWidth is the width help text is wrapped to.
const helpWidth = 100

// setFlagGroup puts the flags names of fs under the help heading group.
func setFlagGroup(fs *pflag.FlagSet, group string, names ...string) {
	for _, name := range names {
		if err := fs.SetAnnotation(name, annotationGroup, []string{group}); err != nil {
			panic(err) // a programming error: the flag is defined just before
		}
	}
}

// printHelp is every command's help: what it does, its usage line, its
// subcommands, its flags (by group where they have groups) and the
// global flags.
func printHelp(cmd *cobra.Command, _ []string) {
	w := cmd.OutOrStdout()
	about := cmd.Long
	if about == "" {
		about = cmd.Short
	}
	if cmd.HasParent() && cmd.Long == "" {
		about = strings.ToUpper(about[:1]) + about[1:] + "."
	}
	fmt.Fprintf(w, "%s\n\nUsage: %s\n", wrapText(about, helpWidth, 0), usageLine(cmd))
	if subs := availableSubcommands(cmd); len(subs) > 0 {
		fmt.Fprintln(w, "\nCommands:")
		width := 0
		for _, sub := range subs {
			width = max(width, len(sub.Name()))
		}
		for _, sub := range subs {
			fmt.Fprintf(w, "  %-*s  %s\n", width, sub.Name(), wrapText(sub.Short, helpWidth, width+4))
		}
	}
	local := visibleFlags(cmd.LocalFlags())
	inherited := visibleFlags(cmd.InheritedFlags())
	width := flagColumn(append(local, inherited...))
	for _, g := range groupFlags(local) {
		fmt.Fprintf(w, "\n%s:\n", g.heading)
		writeFlags(w, g.flags, width)
	}
	if len(inherited) > 0 {
		fmt.Fprintln(w, "\nGlobal flags:")
		writeFlags(w, inherited, width)
	}
	switch {
	case !cmd.HasParent():
		fmt.Fprintln(w, "\nRun `neurona <command> --help` for a command's flags and defaults.")
	case len(availableSubcommands(cmd)) > 0:
		fmt.Fprintf(w, "\nRun `%s <command> --help` for its flags.\n", cmd.CommandPath())
	}
}

// usageLine is "neurona train [flags]": the command's path and its Use
// after the name.
func usageLine(cmd *cobra.Command) string {
	if !cmd.HasParent() {
		return "neurona <command> [flags]"
	}
	line := cmd.UseLine()
	if cmd.HasAvailableFlags() && !strings.Contains(line, "[flags]") {
		line += " [flags]"
	}
	return line
}

// availableSubcommands are cmd's subcommands shown in help (help itself
// only at the top).
func availableSubcommands(cmd *cobra.Command) []*cobra.Command {
	var out []*cobra.Command
	for _, sub := range cmd.Commands() {
		if sub.IsAvailableCommand() || (sub.Name() == "help" && !cmd.HasParent()) {
			out = append(out, sub)
		}
	}
	return out
}

// flagGroup is a heading of help ("Model flags") and its flags.
type flagGroup struct {
	heading string
	flags   []*pflag.Flag
}

// groupFlags sorts flags into the groups their annotation names, in the
// order the groups first appear; flags of no group come under "Flags", or
// "Other flags" when there are groups. Help and the generated reference
// both list flags this way.
func groupFlags(flags []*pflag.Flag) []flagGroup {
	var groups []flagGroup
	index := map[string]int{}
	for _, f := range flags {
		name := "Flags"
		if a := f.Annotations[annotationGroup]; len(a) > 0 {
			name = a[0] + " flags"
		}
		i, ok := index[name]
		if !ok {
			i = len(groups)
			index[name] = i
			groups = append(groups, flagGroup{heading: name})
		}
		groups[i].flags = append(groups[i].flags, f)
	}
	if len(groups) > 1 {
		for i := range groups {
			if groups[i].heading == "Flags" {
				groups[i].heading = "Other flags"
			}
		}
	}
	return groups
}

// visibleFlags lists the flags of fs not hidden, in definition order.
func visibleFlags(fs *pflag.FlagSet) []*pflag.Flag {
	var out []*pflag.Flag
	fs.SortFlags = false
	fs.VisitAll(func(f *pflag.Flag) {
		if !f.Hidden {
			out = append(out, f)
		}
	})
	return out
}

// flagName is "  -h, --help" or "      --lr float": the flag's names and
// the kind of value it takes.
func flagName(f *pflag.Flag) string {
	s := "      --" + f.Name
	if f.Shorthand != "" {
		s = "  -" + f.Shorthand + ", --" + f.Name
	}
	if kind, _ := pflag.UnquoteUsage(f); kind != "" {
		s += " " + kind
	}
	if f.NoOptDefVal != "" && f.Value.Type() != "bool" {
		s += "[=" + f.NoOptDefVal + "]"
	}
	return s
}

// flagColumn is where flags' descriptions start: after the longest name.
func flagColumn(flags []*pflag.Flag) int {
	width := 0
	for _, f := range flags {
		width = max(width, len(flagName(f)))
	}
	return width + 3
}

// writeFlags prints flags, their descriptions starting at column width and
// wrapped, with their defaults where not the zero value.
func writeFlags(w io.Writer, flags []*pflag.Flag, width int) {
	for _, f := range flags {
		_, usage := pflag.UnquoteUsage(f)
		if !zeroDefault(f) {
			if f.Value.Type() == "string" {
				usage += fmt.Sprintf(" (default %q)", f.DefValue)
			} else {
				usage += fmt.Sprintf(" (default %s)", f.DefValue)
			}
		}
		name := flagName(f)
		fmt.Fprintf(w, "%s%s%s\n", name, strings.Repeat(" ", width-len(name)), wrapText(usage, helpWidth, width))
	}
}

// zeroDefault reports whether f's default is its type's zero value, which
// help does not repeat.
func zeroDefault(f *pflag.Flag) bool {
	switch f.DefValue {
	case "", "0", "false", "[]", "<nil>":
		return true
	}
	return false
}

// wrapText wraps s into lines of at most width columns, the lines after the
// first indented by indent spaces; s's own line breaks are kept.
func wrapText(s string, width, indent int) string {
	lines := strings.Split(s, "\n")
	for i, line := range lines {
		lines[i] = wrapLine(line, width, indent)
		if i > 0 && lines[i] != "" {
			lines[i] = strings.Repeat(" ", indent) + lines[i]
		}
	}
	return strings.Join(lines, "\n")
}

func wrapLine(s string, width, indent int) string {
	var b strings.Builder
	col := indent
	for i, word := range strings.Fields(s) {
		if i > 0 && col+1+len(word) > width {
			b.WriteString("\n" + strings.Repeat(" ", indent))
			col = indent
		} else if i > 0 {
			b.WriteByte(' ')
			col++
		}
		b.WriteString(word)
		col += len(word)
	}
	return b.String()
}
