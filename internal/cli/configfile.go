package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/neurona/neurona/internal/human"
	"github.com/neurona/neurona/internal/safefile"
	"github.com/spf13/pflag"
)

// configFileName is the configuration a run folder records: `neurona
// train --config <run>/config.yaml` trains the same run again.
const configFileName = "config.yaml"

// maxConfigBytes bounds a config file: a few dozen keys take a few kB.
const maxConfigBytes = 1 << 20

// configEntry is one key of a config file: a flag's name, its value as the
// command line would spell it (a list joined by commas) and its line.
type configEntry struct {
	key, value string
	line       int
}

// readConfigFile reads the config file path: its format ("yaml" or
// "json") and its entries. A file that does not exist is a usage error
// (exit 2), one that does not parse names its line.
func readConfigFile(path string) (format string, entries []configEntry, err error) {
	if err := needPath("--config", path); err != nil {
		return "", nil, err
	}
	// safefile checks the type before opening: opening a named pipe would
	// wait for a writer.
	b, err := safefile.ReadFile(path, maxConfigBytes)
	switch {
	case errors.Is(err, safefile.ErrNotRegular):
		return "", nil, usagef("--config %s is not a regular file", path)
	case errors.Is(err, safefile.ErrTooLarge):
		return "", nil, usagef("--config %s is larger than %s: not a configuration", path, safefile.Size(maxConfigBytes))
	case err != nil:
		return "", nil, fmt.Errorf("--config: %w", err)
	}
	b = bytes.TrimPrefix(b, utf8BOM)
	entries, err = parseConfig(path, b)
	return configFormat(path, b), entries, err
}

// configFormat is "json" for a file named .json, or one that is not named
// .yaml or .yml and starts with "{"; else "yaml". JSON is read by the same
// parser: it is YAML.
func configFormat(name string, b []byte) string {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".json":
		return "json"
	case ".yaml", ".yml":
		return "yaml"
	}
	if strings.HasPrefix(strings.TrimSpace(string(b)), "{") {
		return "json"
	}
	return "yaml"
}

// parseConfig parses a config file: one mapping of keys to values, each a
// scalar or a list of scalars (hidden: [512, 512]). name prefixes errors
// ("run.yaml:3: ..."), which are usage errors. A leading UTF-8 byte order
// mark is skipped; the file's shape is bounded (checkConfigShape) before
// the YAML parser sees it.
func parseConfig(name string, b []byte) ([]configEntry, error) {
	b = bytes.TrimPrefix(b, utf8BOM)
	if err := checkConfigShape(name, b); err != nil {
		return nil, err
	}
	file, err := parser.ParseBytes(b, 0)
	if err != nil {
		var ye yaml.Error
		if errors.As(err, &ye) && ye.GetToken() != nil {
			return nil, usagef("%s:%d: %s", name, ye.GetToken().Position.Line, oneLine(ye.GetMessage()))
		}
		return nil, usagef("%s: %s", name, oneLine(err.Error()))
	}
	var docs []ast.Node
	for _, d := range file.Docs {
		if d != nil && d.Body != nil {
			docs = append(docs, d.Body)
		}
	}
	switch {
	case len(docs) == 0:
		return nil, nil // an empty file sets nothing
	case len(docs) > 1:
		return nil, usagef("%s:%d: a second document (a config file holds one mapping of flag names to values)", name, line(docs[1]))
	}
	var pairs []*ast.MappingValueNode
	switch n := unwrap(docs[0]).(type) {
	case *ast.MappingNode:
		pairs = n.Values
	case *ast.MappingValueNode:
		pairs = []*ast.MappingValueNode{n}
	default:
		return nil, usagef("%s:%d: want flag names and values (batch-size: 64), not a %s", name, line(docs[0]), nodeKind(docs[0]))
	}
	if len(pairs) > maxConfigEntries {
		return nil, usagef("%s: %d keys (at most %d: a config file sets each of train's flags at most once)", name, len(pairs), maxConfigEntries)
	}
	var entries []configEntry
	seen := map[string]int{}
	items := 0
	for _, p := range pairs {
		at := line(p.Key)
		key, ok := scalar(p.Key)
		if !ok {
			return nil, usagef("%s:%d: a key must be a flag name, not a %s", name, at, nodeKind(p.Key))
		}
		key = strings.TrimPrefix(key, "--")
		if !flagLike(key) {
			return nil, usagef("%s:%d: %s is not a flag name (keys are train's flag names: batch-size, hidden, ...)", name, at, human.Quote(key))
		}
		if first, dup := seen[key]; dup {
			return nil, usagef("%s:%d: %s is set twice (first on line %d)", name, at, key, first)
		}
		seen[key] = at
		if seq, ok := unwrap(p.Value).(*ast.SequenceNode); ok {
			if items += len(seq.Values); items > maxConfigListItems {
				return nil, usagef("%s:%d: %s: more than %d list items in the file", name, at, key, maxConfigListItems)
			}
		}
		value, err := configValue(p.Value)
		if err != nil {
			return nil, usagef("%s:%d: %s: %v", name, at, key, err)
		}
		entries = append(entries, configEntry{key: key, value: value, line: at})
	}
	return entries, nil
}

// flagLike reports whether key could be a flag's name: letters, digits,
// dashes and underscores (which the error of an unknown key corrects).
func flagLike(key string) bool {
	if key == "" || len(key) > 64 {
		return false
	}
	for _, r := range key {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// configValue is a value node as a flag's value: a scalar as written, null
// as empty, a list of scalars joined by commas.
func configValue(n ast.Node) (string, error) {
	n = unwrap(n)
	if n == nil {
		return "", nil
	}
	if seq, ok := n.(*ast.SequenceNode); ok {
		items := make([]string, 0, len(seq.Values))
		for _, v := range seq.Values {
			s, ok := scalar(unwrap(v))
			if !ok {
				return "", fmt.Errorf("a list holds numbers or words, not a %s", nodeKind(v))
			}
			if strings.Contains(s, ",") {
				return "", fmt.Errorf("list item %s holds a comma", human.Quote(s))
			}
			items = append(items, s)
		}
		return strings.Join(items, ","), nil
	}
	s, ok := scalar(n)
	if !ok {
		return "", fmt.Errorf("want a value (a number, a word, true or false, or a list), not a %s", nodeKind(n))
	}
	return s, nil
}

// unwrap looks through a tag (!!str 7) or an anchor (&a 7) to its value.
func unwrap(n ast.Node) ast.Node {
	for {
		switch t := n.(type) {
		case *ast.TagNode:
			n = t.Value
		case *ast.AnchorNode:
			n = t.Value
		default:
			return n
		}
	}
}

// scalar returns a scalar node's text: a string's value, anything else
// as written (1e-3, true); null is "".
func scalar(n ast.Node) (string, bool) {
	switch v := unwrap(n).(type) {
	case nil:
		return "", true
	case *ast.NullNode:
		return "", true
	case *ast.StringNode:
		return v.Value, true
	case *ast.LiteralNode:
		return strings.TrimSuffix(v.Value.Value, "\n"), true
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.InfinityNode, *ast.NanNode:
		return v.GetToken().Value, true
	}
	return "", false
}

// line is the line a node starts on, 0 if unknown.
func line(n ast.Node) int {
	if n == nil || n.GetToken() == nil || n.GetToken().Position == nil {
		return 0
	}
	return n.GetToken().Position.Line
}

// nodeKind names a node's kind in errors: "mapping", "list", "alias".
func nodeKind(n ast.Node) string {
	switch unwrap(n).(type) {
	case *ast.MappingNode, *ast.MappingValueNode:
		return "mapping"
	case *ast.SequenceNode:
		return "list"
	case *ast.AliasNode:
		return "alias"
	case nil:
		return "missing value"
	}
	return strings.ToLower(unwrap(n).Type().String())
}

// applyConfig sets the flag of each entry in fs, unless the command line
// set it already: flags given win. allowed says whether a flag may be set
// by a config file. Unknown keys (with the nearest flag suggested), keys
// that may not be set there and bad values are usage errors naming file
// and line. It returns, per flag it set, where it was set ("FILE:LINE").
func applyConfig(fs *pflag.FlagSet, file string, entries []configEntry, allowed func(*pflag.Flag) bool) (map[string]string, error) {
	sources := map[string]string{}
	for _, en := range entries {
		where := fmt.Sprintf("%s:%d", file, en.line)
		f := fs.Lookup(en.key)
		if f == nil || (f.Hidden && !retiredFlags[en.key]) {
			hint := ""
			if s := nearestFlag(fs, en.key, allowed); s != "" {
				hint = " (did you mean " + s + "?)"
			}
			return nil, usagef("%s: unknown key %q%s; keys are the names of train's flags", where, en.key, hint)
		}
		if !allowed(f) {
			return nil, usagef("%s: %s cannot be set in a config file", where, en.key)
		}
		if f.Changed {
			continue // the command line wins
		}
		if err := fs.Set(en.key, en.value); err != nil {
			return nil, usagef("%s: %s: %s: %s", where, en.key, human.Quote(en.value), valueWanted(f, errors.Unwrap(err)))
		}
		sources[en.key] = where
	}
	return sources, nil
}

// nearestFlag is the name of the visible, allowed flag of fs nearest to
// name (see nearest), or "".
func nearestFlag(fs *pflag.FlagSet, name string, allowed func(*pflag.Flag) bool) string {
	var names []string
	fs.VisitAll(func(f *pflag.Flag) {
		if !f.Hidden && allowed(f) {
			names = append(names, f.Name)
		}
	})
	return nearest(name, names)
}

// trainConfigKey says which train flags a config file may set: all but
// those about config files themselves.
func trainConfigKey(f *pflag.Flag) bool {
	switch f.Name {
	case "config", "print-config", "help", "pjrt-plugin":
		return false
	}
	return true
}

// configItem is one line of a configuration written out: a flag and its
// value (a string, number, bool, or []int for a list).
type configItem struct {
	key   string
	value any
}

// yamlValue writes a configuration value as YAML: numbers and booleans as
// Go prints them, a word as it is, any other string double-quoted (a JSON
// string is a YAML one), a list in brackets.
func yamlValue(v any) string {
	switch v := v.(type) {
	case string:
		if plainWord(v) {
			return v
		}
		q, _ := json.Marshal(v) // a string always marshals
		return string(q)
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	case []int:
		parts := make([]string, len(v))
		for i, n := range v {
			parts[i] = strconv.Itoa(n)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case []string:
		parts := make([]string, len(v))
		for i, s := range v {
			parts[i] = yamlValue(s)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return fmt.Sprint(v)
}

// plainWord reports whether s reads back from YAML as itself unquoted,
// in a list too: letters, digits and a few marks (a path, xla:cuda), not
// starting with a mark YAML gives a meaning to.
func plainWord(s string) bool {
	if s == "" || strings.ContainsAny(s[:1], "-:.+") {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_./+-", r) ||
			r == ':' && !strings.Contains(s, ": ")) {
			return false
		}
	}
	return !strings.HasSuffix(s, ":")
}

// writeConfig writes items as YAML (with a comment saying how to use it)
// or as JSON, in their order.
func writeConfig(w io.Writer, format string, items []configItem) error {
	var b strings.Builder
	if format == "json" {
		b.WriteString("{\n")
		for i, it := range items {
			v, err := json.Marshal(it.value)
			if err != nil {
				return fmt.Errorf("configuration: %s: %w", it.key, err)
			}
			if _, list := it.value.([]int); list {
				v = []byte(strings.ReplaceAll(string(v), ",", ", "))
			}
			key, _ := json.Marshal(it.key)
			sep := ","
			if i == len(items)-1 {
				sep = ""
			}
			fmt.Fprintf(&b, "  %s: %s%s\n", key, v, sep)
		}
		b.WriteString("}\n")
	} else {
		b.WriteString("# neurona train configuration: `neurona train --config FILE` trains with it;\n" +
			"# flags given on the command line win. Keys are train's flag names.\n")
		for _, it := range items {
			fmt.Fprintf(&b, "%s: %s\n", it.key, yamlValue(it.value))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
