package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCommandsEscapeHostileFolderAndFileNames trains a tiny run, moves it
// to folders whose names hold escape sequences, and runs the commands that
// print run, checkpoint and image paths: nothing they print may act on a
// terminal, and each shows the name escaped.
func TestCommandsEscapeHostileFolderAndFileNames(t *testing.T) {
	run := tinyRun(t)
	names := []struct{ name, folder, shown string }{
		{"OSC 52 writing the clipboard", "clip\x1b]52;c;cm0gLXJmIH4=\a", `clip\x1b]52;c;cm0gLXJmIH4=\a`},
		{"ESC [2J clearing the screen", "clear\x1b[2J", `clear\x1b[2J`},
		{"a right-to-left override", "run\u202egnp", `run\u202egnp`},
		{"a C1 control", "run\u009b2J", `run\u009b2J`},
	}
	for _, tt := range names {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), tt.folder)
			if err := os.Rename(run, dir); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { os.Rename(dir, run) })
			entries, err := os.ReadDir(filepath.Join(dir, "checkpoints")) // not Glob: "[2J" is a pattern
			if err != nil || len(entries) == 0 {
				t.Fatalf("no checkpoint: %v", err)
			}
			ckpt := filepath.Join(dir, "checkpoints", entries[0].Name())
			image := whitePNG(t, 28, 28, 12, 4, 16, 24, 0)
			hostileImage := filepath.Join(filepath.Dir(image), tt.folder+".png")
			if err := os.Rename(image, hostileImage); err != nil {
				t.Fatal(err)
			}
			for _, args := range [][]string{
				{"checkpoints", "list", dir},
				{"checkpoints", "verify", dir},
				{"checkpoints", "inspect", ckpt},
				{"predict", dir, hostileImage},
				{"predict", dir, "--test-index", "0", "--json"},
				{"runs", "list", filepath.Dir(dir)},
				{"eval", filepath.Join(dir, "no-such-checkpoint")},
			} {
				code, stdout, stderr := mainOut(args...)
				what := strings.Join(args[:2], " ")
				terminalSafe(t, what+"'s stdout", stdout)
				terminalSafe(t, what+"'s stderr", stderr)
				if args[1] != "verify" && args[len(args)-1] != "--json" && !strings.Contains(stdout+stderr, tt.shown) {
					t.Errorf("%s (exit %d) does not show %s:\n%s%s", what, code, tt.shown, stdout, stderr)
				}
			}
		})
	}
}
