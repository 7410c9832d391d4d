package cli

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// commandPaths lists the path of every command the CLI builds, the root
// and help included, as arguments: {"checkpoints", "list"}.
func commandPaths() [][]string {
	e := testEnv(&bytes.Buffer{})
	var paths [][]string
	var walk func(c *cobra.Command, path []string)
	walk = func(c *cobra.Command, path []string) {
		paths = append(paths, path)
		for _, sub := range c.Commands() {
			walk(sub, append(append([]string(nil), path...), sub.Name()))
		}
	}
	walk(newRootCmd(e, commands(e)...), nil)
	return paths
}

// TestHelpFitsItsWidth: every command's --help, as printed, has no line
// wider than helpWidth, and its Long text no source line wider either:
// help re-wraps a longer source line, which leaves a one-word orphan
// ("...The\nsweep\nfolder holds") where the author broke the line.
func TestHelpFitsItsWidth(t *testing.T) {
	for _, path := range commandPaths() {
		name := strings.TrimSpace("neurona " + strings.Join(path, " "))
		t.Run(name+" --help has no line wider than helpWidth", func(t *testing.T) {
			var out bytes.Buffer
			e := testEnv(&out)
			root := newRootCmd(e, commands(e)...)
			if _, err := execute(root, append(append([]string(nil), path...), "--help")); err != nil {
				t.Fatalf("%s --help: %v", name, err)
			}
			if out.Len() == 0 {
				t.Fatalf("%s --help printed nothing", name)
			}
			for i, line := range strings.Split(out.String(), "\n") {
				if len(line) > helpWidth {
					t.Errorf("%s --help, line %d is %d columns (most %d): %q", name, i+1, len(line), helpWidth, line)
				}
			}
		})
		t.Run(name+"'s Long text has no source line wider than helpWidth", func(t *testing.T) {
			e := testEnv(&bytes.Buffer{})
			cmd, _, err := newRootCmd(e, commands(e)...).Find(path)
			if err != nil {
				t.Fatalf("find %s: %v", name, err)
			}
			for i, line := range strings.Split(cmd.Long, "\n") {
				if len(line) > helpWidth {
					t.Errorf("%s's Long, line %d is %d columns (most %d; help would re-wrap it): %q", name, i+1, len(line), helpWidth, line)
				}
			}
		})
	}
}

// TestHelpWidthCoversEveryCommand: the walk above reaches the commands
// below the top (checkpoints list...), not only the root's.
func TestHelpWidthCoversEveryCommand(t *testing.T) {
	seen := map[string]bool{}
	for _, p := range commandPaths() {
		seen[strings.Join(p, " ")] = true
	}
	for _, want := range []string{"", "train", "sweep", "bench", "help", "checkpoints list"} {
		if !seen[want] {
			t.Errorf("the command walk misses %q; it found %d commands", fmt.Sprint("neurona ", want), len(seen))
		}
	}
}
