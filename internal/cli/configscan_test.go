package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// manyKeys is n lines "kI: 1".
func manyKeys(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "k%d: 1\n", i)
	}
	return b.String()
}

// indented is n lines "a:", each indented one more (by tab or space).
func indented(n int, by string) string {
	var b strings.Builder
	for i := range n {
		b.WriteString(strings.Repeat(by, i) + "a:\n")
	}
	return b.String()
}

// Shapes no configuration has, each of which keeps the YAML parser busy
// for seconds to minutes at a size under 1 MB, are refused by a scan of
// the bytes before the parser sees them: one usage line naming the file.
func TestConfigShapeRefused(t *testing.T) {
	deep := 200_000
	tests := []struct {
		name, text, errHas string
	}{
		{"brackets nested 200,000 deep", "lr: " + strings.Repeat("[", deep) + strings.Repeat("]", deep), "of the characters"},
		{"brackets nested 6 deep", "lr: [[[[[[1]]]]]]\n", "f.yaml:1: nested more than 5 deep"},
		{"mappings nested 6 deep in JSON", `{"a": {"b": {"c": {"d": {"e": {"f": 1}}}}}}`, "nested more than 5 deep"},
		{"block lists nested 200,000 deep on one line", strings.Repeat("- ", deep) + "x", "nested more than 5 deep"},
		{"block lists nested after a key", "lr: " + strings.Repeat("- ", deep) + "x", "nested more than 5 deep"},
		{"block lists nested behind tags", strings.Repeat("- !!seq ", deep) + "x", "nested more than 5 deep"},
		{"block lists nested behind tags after a key", "lr: " + strings.Repeat("!!seq - ", deep) + "x", "nested more than 5 deep"},
		{"block lists nested behind anchors", strings.Repeat("- &a ", deep) + "x", "nested more than 5 deep"},
		{"complex keys nested", strings.Repeat("? ", deep) + "x", "nested more than 5 deep"},
		{"lists nested with tabs", strings.Repeat("-\t", deep) + "x", "nested more than 5 deep"},
		{"mappings nested by spaces", indented(1400, " "), "f.yaml:6: nested more than 5 deep"},
		{"mappings nested by tabs", indented(1400, "\t"), "nested more than 5 deep"},
		{"brackets after a tag", "lr: !!seq " + strings.Repeat("[", 10) + strings.Repeat("]", 10), "nested more than 5 deep"},
		{"brackets opened at the start of each line", strings.Repeat("[\n", 10) + strings.Repeat("]\n", 10), "nested more than 5 deep"},
		{"50,000 keys", manyKeys(50_000), "50000 lines (a config file has at most 4096"},
		{"3,000 keys on one line", "{" + strings.TrimSuffix(strings.Repeat("k: 1, ", 3000), ", ") + "}", "of the characters"},
		{"300 keys", manyKeys(300), "300 keys (at most 256"},
		{"a list of 2,000 items", "hidden: [" + strings.TrimSuffix(strings.Repeat("1,", 2000), ",") + "]", "more than 1024 list items"},
		{"comments of a million lines", strings.Repeat("#\n", 1_000_000), "lines (a config file has at most 4096"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseConfig("f.yaml", []byte(tt.text))
			var ue usageError
			if !errors.As(err, &ue) || !strings.Contains(err.Error(), tt.errHas) || strings.Contains(err.Error(), "\n") || len(err.Error()) > 300 {
				t.Errorf("parseConfig: %.300v; want one usage line saying %q", err, tt.errHas)
			}
		})
	}
}

// What a configuration may hold passes the scan: lists in either style,
// JSON, a byte order mark, and text that only looks nested (in a comment,
// a quoted string, a block scalar or a plain word).
func TestConfigShapeAccepted(t *testing.T) {
	tests := []struct {
		name, text string
		want       map[string]string
	}{
		{"flow list", "hidden: [512, 512]\nlr: 1e-3\n", map[string]string{"hidden": "512,512", "lr": "1e-3"}},
		{"block list", "hidden:\n  - 64\n  - 32\n", map[string]string{"hidden": "64,32"}},
		{"block list at the key's indentation", "hidden:\n- 64\n- 32\n", map[string]string{"hidden": "64,32"}},
		{"JSON", "{\n  \"hidden\": [8, 8],\n  \"epochs\": 2\n}\n", map[string]string{"hidden": "8,8", "epochs": "2"}},
		{"a byte order mark", "\ufefflr: 0.1\n", map[string]string{"lr": "0.1"}},
		{"a byte order mark before JSON", "\ufeff{\"lr\": 0.1}", map[string]string{"lr": "0.1"}},
		{"brackets in comments", "# [[[[[[[[ {{{{{{{\nlr: 0.1 # [[[[[[[[[\n", map[string]string{"lr": "0.1"}},
		{"brackets in quoted strings", "data-dir: \"[[[[[[[[\"\nclasses: '{{{{{{{{ it''s'\n", map[string]string{"data-dir": "[[[[[[[[", "classes": "{{{{{{{{ it's"}},
		{"brackets in a plain word", "data-dir: runs/x[[[[[[[[\n", map[string]string{"data-dir": "runs/x[[[[[[[["}},
		{"a block scalar that looks nested", "data-dir: |\n  - - - - - - - [[[[[[[[\n  - - - -\nlr: 0.1\n", map[string]string{"data-dir": "- - - - - - - [[[[[[[[\n- - - -", "lr": "0.1"}},
		{"tags and anchors", "epochs: !!int 2\nlr: &x 0.1\n", map[string]string{"epochs": "2", "lr": "0.1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			entries, err := parseConfig("f.yaml", []byte(tt.text))
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, e := range entries {
				got[e.key] = e.value
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("entries %q, want %q", got, tt.want)
			}
		})
	}
}

// train --config: a file with a byte order mark is read as without one;
// a second --config is refused, naming both, instead of dropping the first.
func TestTrainConfigFileBOMAndRepeated(t *testing.T) {
	bom := writeFile(t, "bom.yaml", "\ufeffepochs: 7\n")
	o, err := parseTrain([]string{"--config", bom}, testEnv(io.Discard))
	if err != nil || o.cfg.Epochs != 7 {
		t.Fatalf("--config with a byte order mark: %v (epochs %v), want epochs 7", err, o)
	}
	t.Chdir(t.TempDir())
	first, second := "a.yaml", "b.yaml"
	for _, f := range []string{first, second} {
		if err := os.WriteFile(f, []byte("epochs: 3\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	code, _, stderr := cliRun("train", "--config", first, "--config", second, "--print-config")
	if code != ExitUsage || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "a second config file") ||
		!strings.Contains(stderr, first) || !strings.Contains(stderr, second) {
		t.Errorf("two --config: exit %d, %q; want exit 2 and one line naming both files", code, stderr)
	}
}

// astDepth is how deep a parsed YAML node nests collections.
func astDepth(n ast.Node) int {
	switch n := n.(type) {
	case *ast.DocumentNode:
		return astDepth(n.Body)
	case *ast.TagNode:
		return astDepth(n.Value)
	case *ast.AnchorNode:
		return astDepth(n.Value)
	case *ast.MappingKeyNode:
		return astDepth(n.Value)
	case *ast.MappingValueNode:
		return 1 + max(astDepth(n.Key), astDepth(n.Value))
	case *ast.MappingNode:
		d := 0
		for _, v := range n.Values {
			d = max(d, astDepth(v))
		}
		return d
	case *ast.SequenceNode:
		d := 0
		for _, v := range n.Values {
			d = max(d, astDepth(v))
		}
		return 1 + d
	}
	return 0
}

// FuzzConfigShape: the scan never panics, and what it lets through never
// nests deeper in the parser's eyes than the scan allows: it never
// under-counts.
func FuzzConfigShape(f *testing.F) {
	for _, seed := range []string{
		"lr: [[1]]\n", "- - - x\n", "a: - - x\n", "? ? x\n", "a: !!seq - x\n", "a:\n  b:\n    c: 1\n", "{\"a\": [{\"b\": 1}]}",
		"a: |\n  - - [[\nb: [1]\n", "a: \"[[\" [[\n", "a: 'it''s' [[\n", "- &a - &b [x]\n", "a: >-\n  [[[[\n", "\t- - x\n",
		"a: # [[\n  [[1]]\n", "[\n[\n1]]\n", "a: {b: [c, {d: e}]}\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if checkConfigShape("f.yaml", b) != nil {
			return
		}
		file, err := parser.ParseBytes(b, 0)
		if err != nil {
			return
		}
		for _, doc := range file.Docs {
			if d := astDepth(doc); d > maxConfigDepth {
				t.Fatalf("the scan let through %q, which the parser nests %d deep (at most %d)", b, d, maxConfigDepth)
			}
		}
	})
}
