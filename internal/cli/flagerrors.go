package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/neurona/neurona/internal/field"
	"github.com/neurona/neurona/internal/human"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// flagError turns a pflag parse error into one usage line that says what
// is wrong, suggests the flag meant where one is close (cobra suggests
// commands only), and points to the command's help.
func flagError(cmd *cobra.Command, err error) error {
	see := fmt.Sprintf(" (see `%s --help`)", cmd.CommandPath())
	var (
		notExist *pflag.NotExistError
		invalid  *pflag.InvalidValueError
		needs    *pflag.ValueRequiredError
	)
	switch {
	case errors.As(err, &notExist) && notExist.GetSpecifiedShortnames() != "":
		// "-lr 0.1": a long flag written with the standard flag package's
		// one dash, which pflag reads as the shorthands -l -r.
		written, _, _ := strings.Cut(notExist.GetSpecifiedShortnames(), "=")
		if f := lookupFlag(cmd, written); f != nil {
			return usagef("-%s: long flags take two dashes: --%s%s", written, written, see)
		}
		return usagef("unknown flag: -%s%s%s", human.Clip(written), didYouMean(cmd, written), see)
	case errors.As(err, &notExist):
		name := notExist.GetSpecifiedName()
		return usagef("unknown flag: --%s%s%s", human.Clip(name), didYouMean(cmd, name), see)
	case errors.As(err, &invalid):
		f := invalid.GetFlag()
		return usagef("--%s %s: %s%s", f.Name, human.Quote(invalid.GetValue()), valueWanted(f, errors.Unwrap(err)), see)
	case errors.As(err, &needs):
		return usagef("--%s needs a value%s", needs.GetSpecifiedName(), see)
	}
	return usagef("%v%s", err, see)
}

// valueWanted says what a flag's value must be, from its type; a value of
// neurona's own type (a list of indices) explains itself in cause.
func valueWanted(f *pflag.Flag, cause error) string {
	switch f.Value.Type() {
	case "int":
		return "want an integer"
	case "uint64":
		return "want a whole number >= 0"
	case "float64":
		return "want a number"
	case "bool":
		return "want true or false"
	}
	if fe, ok := field.As(cause); ok {
		return fe.Problem
	}
	if cause != nil {
		return cause.Error()
	}
	return "not a valid value"
}

// lookupFlag finds a flag of cmd, its own or inherited, by name.
func lookupFlag(cmd *cobra.Command, name string) *pflag.Flag {
	if f := cmd.Flags().Lookup(name); f != nil {
		return f
	}
	return cmd.InheritedFlags().Lookup(name)
}

// didYouMean is " (did you mean --X?)" for the visible flag of cmd closest
// to name, if one is close, else "".
func didYouMean(cmd *cobra.Command, name string) string {
	if s := suggestFlag(cmd, name); s != "" {
		return " (did you mean --" + s + "?)"
	}
	return ""
}

// suggestFlag returns the visible flag of cmd whose name is nearest to
// name (see nearest), or "".
func suggestFlag(cmd *cobra.Command, name string) string {
	var names []string
	visit := func(f *pflag.Flag) {
		if !f.Hidden {
			names = append(names, f.Name)
		}
	}
	cmd.Flags().VisitAll(visit)
	cmd.InheritedFlags().VisitAll(visit)
	return nearest(name, names)
}

// nearest returns the candidate nearest to name: the same with dashes
// for underscores, one that name begins (--epoch for --epochs), or one
// within an edit distance of 2 (of 1 for names under 6 letters); "" if
// none is that close.
func nearest(name string, candidates []string) string {
	want := strings.ToLower(strings.ReplaceAll(name, "_", "-"))
	best, bestDist := "", 0
	for _, c := range candidates {
		d := levenshtein(want, c)
		if len(want) >= 3 && strings.HasPrefix(c, want) {
			d = 0
		}
		if d <= min(2, max(1, len(c)/3)) && (best == "" || d < bestDist) {
			best, bestDist = c, d
		}
	}
	return best
}

// levenshtein is the edit distance between a and b: insertions,
// deletions, substitutions and transpositions of adjacent bytes (the
// "optimal string alignment" distance; names are ASCII), so that "trian"
// is one edit from "train".
func levenshtein(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}

// optionalValueWords are the words that may follow a flag whose value is
// optional (a boolean, --print-config) and that the user most likely meant
// as its value: pflag would read "--keep-best false" as --keep-best=true
// and an argument "false".
func optionalValueWords(f *pflag.Flag) []string {
	if f.Value.Type() == "bool" {
		return []string{"true", "false"}
	}
	if words, ok := f.Annotations[annotationValues]; ok {
		return words
	}
	return nil
}

// annotationValues annotates a flag with an optional value with the words
// its value may be, for strayFlagValue.
const annotationValues = "neurona_values"

// strayFlagValue refuses, before parsing, a flag whose value is optional
// followed by one of its values as a separate word ("--keep-best false"),
// saying to write "--keep-best=false". "--" ends the flags.
func strayFlagValue(cmd *cobra.Command, args []string) error {
	for i, a := range args {
		if a == "--" {
			return nil
		}
		name, ok := strings.CutPrefix(a, "--")
		if !ok || strings.Contains(name, "=") || i+1 >= len(args) {
			continue
		}
		f := lookupFlag(cmd, name)
		if f == nil || f.NoOptDefVal == "" {
			continue
		}
		next := strings.ToLower(args[i+1])
		for _, w := range optionalValueWords(f) {
			if next == w {
				return usagef("--%s %s: a value of --%s goes after an equals sign: write --%s=%s (see `%s --help`)",
					name, args[i+1], name, name, args[i+1], cmd.CommandPath())
			}
		}
	}
	return nil
}

// deprecatedAlias hides the flag old of cmd, an old spelling kept working,
// and warns on stderr when it is used (pflag's own deprecation notice
// would go to stdout, through cobra).
func deprecatedAlias(cmd *cobra.Command, old, instead string) {
	if err := cmd.Flags().MarkHidden(old); err != nil {
		panic(err) // a programming error: the flag is defined just before
	}
	if cmd.Annotations == nil {
		cmd.Annotations = map[string]string{}
	}
	cmd.Annotations["deprecated:"+old] = instead
}

// warnDeprecated warns once on stderr for each deprecated alias of cmd
// given on the command line.
func warnDeprecated(e *env, cmd *cobra.Command) {
	for key, instead := range cmd.Annotations {
		old, ok := strings.CutPrefix(key, "deprecated:")
		if ok && cmd.Flags().Changed(old) {
			fmt.Fprintf(e.stderr, "%s: warning: --%s is deprecated; write %s\n", cmd.CommandPath(), old, instead)
		}
	}
}
