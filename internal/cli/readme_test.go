package cli

import (
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// readmeSections names, per command, the heading of README's section that
// documents its flags (the start of the heading line).
var readmeSections = map[string]string{
	"train":               "### `neurona train`",
	"eval":                "### `neurona eval",
	"predict":             "### `neurona predict",
	"checkpoints list":    "### `neurona checkpoints",
	"checkpoints inspect": "### `neurona checkpoints",
	"checkpoints verify":  "### `neurona checkpoints",
	"checkpoints prune":   "### `neurona checkpoints",
	"report":              "### Pictures and reports",
	"explain":             "### Pictures and reports",
	"plot activations":    "### Pictures and reports",
	"data show":           "### Pictures and reports",
	"data info":           "### `neurona data",
	"data verify":         "### `neurona data",
	"data fetch":          "### `neurona data",
	"models":              "### `neurona models`",
	"backends":            "### `neurona backends`",
	"backends install":    "### `neurona backends`",
	"serve":               "### `neurona serve",
	"sweep":               "### `neurona sweep",
	"runs list":           "### `neurona runs",
	"runs compare":        "### `neurona runs",
	"bench":               "### `neurona bench`",
	"version":             "### `neurona version`",
	"completion":          "### Shell completion",
}

// notDocumentedPerCommand are flags every command has, documented once.
var notDocumentedPerCommand = map[string]bool{"help": true, "pjrt-plugin": true}

// readmeSection returns the text of README's section whose heading starts
// with heading, up to the next heading of its level or above.
func readmeSection(t *testing.T, readme, heading string) string {
	t.Helper()
	i := strings.Index(readme, "\n"+heading)
	if i < 0 {
		t.Fatalf("README has no section %q", heading)
	}
	rest := readme[i+1:]
	end := regexp.MustCompile(`\n#{2,3} `).FindStringIndex(rest[len(heading):])
	if end == nil {
		return rest
	}
	return rest[:len(heading)+end[0]]
}

// runnable lists the commands under root that run (not groups), by path
// without "neurona ".
func runnable(root *cobra.Command) map[string]*cobra.Command {
	out := map[string]*cobra.Command{}
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			if !sub.IsAvailableCommand() || sub.Name() == "help" {
				continue
			}
			if len(availableSubcommands(sub)) == 0 || sub.Name() == "backends" {
				out[strings.TrimPrefix(sub.CommandPath(), "neurona ")] = sub
			}
			walk(sub)
		}
	}
	walk(root)
	return out
}

// helpFlag finds the flags a --help text lists: "  -h, --help" and
// "      --lr float".
var helpFlag = regexp.MustCompile(`(?m)^ {2,6}(?:-\w, )?--([a-z0-9-]+)`)

// TestREADMEMatchesHelp: every flag a command's --help lists is in
// README's section for that command, and every flag README's flag tables
// there (tables with a "flag" column) name is a flag of a command the
// section documents.
func TestREADMEMatchesHelp(t *testing.T) {
	raw, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(raw)
	e := testEnv(io.Discard)
	cmds := runnable(newRootCmd(e, commands(e)...))
	for path := range cmds {
		if _, ok := readmeSections[path]; !ok {
			t.Errorf("no README section is named for `neurona %s`: add it to readmeSections", path)
		}
	}
	bySection := map[string][]string{}
	for path, heading := range readmeSections {
		bySection[heading] = append(bySection[heading], path)
	}
	for heading, paths := range bySection {
		section := readmeSection(t, readme, heading)
		known := map[string]bool{} // the flags of the section's commands, hidden ones too
		for _, path := range paths {
			t.Run(path, func(t *testing.T) {
				code, help, _ := cliRun(append(strings.Fields(path), "--help")...)
				if code != ExitOK {
					t.Fatalf("--help: exit code %d", code)
				}
				listed := helpFlag.FindAllStringSubmatch(help, -1)
				if path == "train" && len(listed) < 35 {
					t.Fatalf("found %d flags in train --help, want its 35 or more: is helpFlag out of date?\n%s", len(listed), help)
				}
				for _, m := range listed {
					name := m[1]
					if notDocumentedPerCommand[name] {
						continue
					}
					if !regexp.MustCompile("`--" + name + "[`= ]").MatchString(section) {
						t.Errorf("`neurona %s --help` lists --%s, which README's section %q does not document", path, name, heading)
					}
				}
			})
			if c, ok := cmds[path]; ok {
				c.Flags().VisitAll(func(f *pflag.Flag) { known[f.Name] = true })
			}
		}
		flagTable := false // in a table whose header has a "flag" column
		prev := ""
		for _, line := range strings.Split(section, "\n") {
			row, wasRow := strings.HasPrefix(line, "|"), strings.HasPrefix(prev, "|")
			prev = line
			if row && !wasRow {
				flagTable = strings.Contains(line, "| flag |")
			}
			if !row || !flagTable {
				continue
			}
			for _, m := range regexp.MustCompile("`--([a-z0-9-]+)").FindAllStringSubmatch(line, -1) {
				if !known[m[1]] {
					t.Errorf("README's section %q documents --%s, which none of %v has", heading, m[1], sortedCopy(paths))
				}
			}
		}
	}
}

func sortedCopy(s []string) []string {
	c := slices.Clone(s)
	slices.Sort(c)
	return c
}
