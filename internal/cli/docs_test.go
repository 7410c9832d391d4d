package cli

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"
)

// repoRoot is the repository's root, seen from this package's folder.
const repoRoot = "../.."

// generatedReference is what `make docs` writes into docs/commands.md.
func generatedReference(t *testing.T) string {
	t.Helper()
	var b bytes.Buffer
	if err := WriteReference(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestCommandsDocUpToDate: docs/commands.md is what the commands generate
// now, so it documents every command and flag as --help shows them.
func TestCommandsDocUpToDate(t *testing.T) {
	want := generatedReference(t)
	got, err := os.ReadFile(filepath.Join(repoRoot, "docs", "commands.md"))
	if err != nil {
		t.Fatalf("%v; generate it with `%s`", err, RegenerateDocs)
	}
	for _, d := range staleSections(string(got), want) {
		t.Error(d)
	}
	if t.Failed() {
		t.Logf("docs/commands.md is stale: regenerate it with `make docs` (`%s`) from the repository's root", RegenerateDocs)
	} else if string(got) != want {
		t.Errorf("docs/commands.md differs from the generated reference outside its commands' sections; regenerate it with `%s`", RegenerateDocs)
	}
}

// staleSections compares a reference file with the generated one, section
// by section ("## neurona train"), and says which commands differ and how.
func staleSections(file, generated string) []string {
	fileSec, fileOrder := sections(file)
	genSec, genOrder := sections(generated)
	var out []string
	for _, name := range genOrder {
		old, ok := fileSec[name]
		if !ok {
			out = append(out, fmt.Sprintf("docs/commands.md has no section for `%s`", name))
			continue
		}
		if old != genSec[name] {
			out = append(out, fmt.Sprintf("`%s` differs: %s", name, firstDifference(old, genSec[name])))
		}
	}
	for _, name := range fileOrder {
		if _, ok := genSec[name]; !ok {
			out = append(out, fmt.Sprintf("docs/commands.md documents `%s`, which is no longer a command", name))
		}
	}
	return out
}

// sections splits a reference into its "## " sections by heading text,
// and lists the headings in order.
func sections(doc string) (map[string]string, []string) {
	bodies, order := map[string]string{}, []string(nil)
	parts := strings.Split("\n"+doc, "\n## ")
	for _, p := range parts[1:] {
		name, body, _ := strings.Cut(p, "\n")
		bodies[name] = strings.TrimRight(body, "\n") // the last section ends the file
		order = append(order, name)
	}
	return bodies, order
}

// firstDifference names the first line of a section that differs, briefly.
func firstDifference(old, new string) string {
	a, b := strings.Split(old, "\n"), strings.Split(new, "\n")
	for i := 0; i < max(len(a), len(b)); i++ {
		switch {
		case i >= len(a):
			return fmt.Sprintf("its section ends at line %d, where the commands give %q", i+1, clip(b[i]))
		case i >= len(b):
			return fmt.Sprintf("line %d of its section, %q, is more than the commands give", i+1, clip(a[i]))
		case a[i] != b[i]:
			return fmt.Sprintf("line %d of its section is %q, the commands give %q", i+1, clip(a[i]), clip(b[i]))
		}
	}
	return "the sections are equal" // not reached: called for sections that differ
}

func clip(s string) string {
	if len(s) > 120 {
		return s[:120] + "..."
	}
	return s
}

func TestStaleSectionsNamesTheCommandThatDiffers(t *testing.T) {
	gen := "# Command reference\n\n## neurona\n\nroot\n\n## neurona train\n\n| `--lr float` | | learning rate |\n\n## neurona eval\n\nevaluates\n"
	tests := []struct {
		name, file string
		want       []string // substrings of the messages, one per message
	}{
		{"an up-to-date file has no differences", gen, nil},
		{"a changed flag line names its command and line",
			strings.Replace(gen, "learning rate", "the learning rate", 1),
			[]string{"`neurona train` differs: line 2 of its section is \"| `--lr float` | | the learning rate |\""}},
		{"a missing command is named",
			strings.Replace(gen, "## neurona eval\n\nevaluates\n", "", 1),
			[]string{"no section for `neurona eval`"}},
		{"a section that lost its last line says where it ends",
			strings.Replace(gen, "\n\nevaluates\n", "\n", 1),
			[]string{"`neurona eval` differs: its section ends at line 2, where the commands give \"evaluates\""}},
		{"a command that is gone is named",
			gen + "\n## neurona old\n\nremoved\n",
			[]string{"documents `neurona old`, which is no longer a command"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := staleSections(tt.file, gen)
			if len(got) != len(tt.want) {
				t.Fatalf("got %d messages %q, want %d", len(got), got, len(tt.want))
			}
			for i, w := range tt.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("message %q does not contain %q", got[i], w)
				}
			}
		})
	}
}

// TestReferenceEscapesMarkdown: text help prints as it is (<run-dir>, a *,
// a | in a flag's meaning) stays text in the Markdown reference.
func TestReferenceEscapesMarkdown(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"angle brackets are not tags", "default runs/<model>", "default runs/&lt;model&gt;"},
		{"a star is not emphasis", "marked with *", `marked with \*`},
		{"a bar does not split a table cell", "a|b", `a\|b`},
		{"line breaks join into one cell", "one\n  two", "one two"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := escapeCell(tt.in); got != tt.want {
				t.Errorf("escapeCell(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// markdownLink finds [text](target) links; images too.
var markdownLink = regexp.MustCompile(`\]\(([^)\s]+)\)`)

// TestDocsLinksResolve: every relative link in README.md and docs/*.md
// leads to a file that exists, and every #fragment to a heading in it.
func TestDocsLinksResolve(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(repoRoot, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	files = append([]string{filepath.Join(repoRoot, "README.md")}, files...)
	if len(files) < 10 {
		t.Fatalf("found %d Markdown files in README.md and docs/, want README and the docs", len(files))
	}
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		name, _ := filepath.Rel(repoRoot, file)
		for _, m := range markdownLink.FindAllStringSubmatch(string(raw), -1) {
			target := m[1]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			path, fragment, _ := strings.Cut(target, "#")
			dest := file
			if path != "" {
				dest = filepath.Join(filepath.Dir(file), filepath.FromSlash(path))
			}
			destRaw, err := os.ReadFile(dest)
			if err != nil {
				t.Errorf("%s links to %s, which cannot be read: %v", name, target, err)
				continue
			}
			if fragment != "" && !hasAnchor(string(destRaw), fragment) {
				t.Errorf("%s links to %s, but %s has no heading with the anchor #%s", name, target, filepath.Base(dest), fragment)
			}
		}
	}
}

// hasAnchor reports whether doc has a heading whose GitHub anchor is a.
func hasAnchor(doc, a string) bool {
	inCode := false
	for _, line := range strings.Split(doc, "\n") {
		if strings.HasPrefix(line, "```") {
			inCode = !inCode
		}
		if inCode || !strings.HasPrefix(line, "#") {
			continue
		}
		if githubAnchor(strings.TrimLeft(line, "#")) == a {
			return true
		}
	}
	return false
}

// githubAnchor is the fragment GitHub gives a heading: lower case, spaces
// as hyphens, punctuation other than - and _ dropped.
func githubAnchor(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(heading)) {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// TestREADMEIsShort: README.md is what a newcomer reads first; the rest
// belongs in docs/.
func TestREADMEIsShort(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(repoRoot, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(raw, []byte("\n")); n > 250 {
		t.Errorf("README.md has %d lines, want at most 250: move the details into docs/", n)
	}
}
