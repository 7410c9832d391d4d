package cli

import (
	"flag"
)

// parseInterspersed parses args with fs, accepting flags after positional
// arguments too (`eval runs/x --json`, which the flag package alone would
// take as two arguments), and returns the positional arguments. "--" ends
// the flags.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := parseFlags(fs, args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// onePath parses args, whose flags may come before or after the one
// positional argument, and returns that argument; what names it in the
// error when it is missing ("the run folder to report on").
func onePath(fs *flag.FlagSet, args []string, what string) (string, error) {
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return "", err
	}
	switch {
	case len(pos) == 0:
		return "", usagef("missing %s (see `%s --help`)", what, fs.Name())
	case len(pos) > 1:
		return "", usagef("unexpected argument %q (%s takes one folder)", pos[1], fs.Name())
	}
	return pos[0], nil
}
