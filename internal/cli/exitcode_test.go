package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/neurona/neurona/internal/cli"
)

// TestExitCodeRule checks the package's one exit-code rule over every
// command: a bad command line, or a path given on it that does not exist,
// exits 2; a file or folder that exists but is bad exits 1. Each case
// prints exactly one line naming what is wrong.
func TestExitCodeRule(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing")
	// A data folder whose four MNIST files exist but are not IDX files.
	corrupt := filepath.Join(dir, "corrupt")
	if err := os.Mkdir(corrupt, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"} {
		if err := os.WriteFile(filepath.Join(corrupt, name), []byte("not an IDX file at all"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	report := filepath.Join(dir, "report.json")
	if err := os.WriteFile(report, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	hidden65 := strings.TrimSuffix(strings.Repeat("8,", 65), ",")

	tests := []struct {
		name string
		args []string
		code int
		want []string // in the one stderr line
	}{
		// Paths given on the command line that do not exist: 2.
		{"train --resume a missing folder", []string{"train", "--resume", missing}, cli.ExitUsage, []string{"--resume", missing, "does not exist"}},
		{"train --data-dir a missing folder", []string{"train", "--data-dir", missing}, cli.ExitUsage, []string{"--data-dir", missing, "does not exist"}},
		{"eval a missing folder", []string{"eval", missing}, cli.ExitUsage, []string{missing, "does not exist"}},
		{"predict a missing folder", []string{"predict", missing, "--test-index", "0"}, cli.ExitUsage, []string{missing, "does not exist"}},
		{"report a missing folder", []string{"report", missing}, cli.ExitUsage, []string{missing, "does not exist"}},
		{"explain a missing folder", []string{"explain", missing}, cli.ExitUsage, []string{missing, "does not exist"}},
		{"checkpoints list a missing folder", []string{"checkpoints", "list", missing}, cli.ExitUsage, []string{missing, "does not exist"}},
		{"data info --data-dir a missing folder", []string{"data", "info", "--data-dir", missing}, cli.ExitUsage, []string{"--data-dir", missing, "does not exist"}},
		{"data verify --data-dir a missing folder", []string{"data", "verify", "--data-dir", missing}, cli.ExitUsage, []string{"--data-dir", missing, "does not exist"}},
		{"data show --data-dir a missing folder", []string{"data", "show", "--data-dir", missing}, cli.ExitUsage, []string{"--data-dir", missing, "does not exist"}},
		{"bench --data-dir a missing folder", []string{"bench", "--backends", "go", "--data-dir", missing}, cli.ExitUsage, []string{"--data-dir", missing, "does not exist"}},
		{"bench --compare a missing report", []string{"bench", "--compare", missing, report}, cli.ExitUsage, []string{missing, "does not exist"}},

		// Files that exist but are bad: 1.
		{"train on a corrupt data folder", []string{"train", "--data-dir", corrupt}, cli.ExitFailure, []string{corrupt}},
		{"data info on a corrupt data folder", []string{"data", "info", "--data-dir", corrupt}, cli.ExitFailure, []string{corrupt}},
		{"data show on a corrupt data folder", []string{"data", "show", "--data-dir", corrupt}, cli.ExitFailure, []string{corrupt}},
		{"bench on a corrupt data folder", []string{"bench", "--backends", "go", "--data-dir", corrupt}, cli.ExitFailure, []string{corrupt}},

		// Extra arguments: 2, like every other command.
		{"data info with an argument", []string{"data", "info", "extra"}, cli.ExitUsage, []string{`"extra"`, "only flags"}},
		{"data verify with an argument", []string{"data", "verify", "extra"}, cli.ExitUsage, []string{`"extra"`, "only flags"}},
		{"data fetch with an argument", []string{"data", "fetch", "extra"}, cli.ExitUsage, []string{`"extra"`, "only flags"}},
		{"backends with an argument", []string{"backends", "extra"}, cli.ExitUsage, []string{`"extra"`, "backends install NAME"}},
		{"models with an argument", []string{"models", "extra"}, cli.ExitUsage, []string{`"extra"`, "only flags"}},
		{"version with an argument", []string{"version", "extra"}, cli.ExitUsage, []string{`"extra"`, "only flags"}},

		// Values out of range, with the real limits: 2.
		{"plot --range beyond floats", []string{"plot", "activations", "--range", "1e308"}, cli.ExitUsage, []string{"--range", "at most 1e+06"}},
		{"plot --range infinite", []string{"plot", "activations", "--range", "Inf"}, cli.ExitUsage, []string{"--range", "at most"}},
		{"train --batch-size beyond the limit", []string{"train", "--batch-size", "100000000"}, cli.ExitUsage, []string{"--batch-size 100000000", "1 to 1048576"}},
		{"train --hidden too wide", []string{"train", "--hidden", "1048577"}, cli.ExitUsage, []string{`"1048577"`, "1 to 1048576"}},
		{"train --hidden too deep", []string{"train", "--hidden", hidden65}, cli.ExitUsage, []string{"65 layers", "at most 64"}},
		{"train --maxout-pieces beyond the limit", []string{"train", "--activation", "maxout", "--maxout-pieces", "65"}, cli.ExitUsage, []string{"--maxout-pieces 65", "2 to 64"}},
		{"train a model that cannot fit in memory", []string{"train", "--hidden", "1000000,1000000"}, cli.ExitUsage, []string{"needs about", "GB", "this machine's", "of memory", "use fewer or narrower layers (--hidden) or a smaller --batch-size"}},
		{"bench a model that cannot fit in memory", []string{"bench", "--backends", "go", "--hidden", "1000000,1000000"}, cli.ExitUsage, []string{"needs about", "this machine's"}},
		{"bench --batch-size beyond the limit", []string{"bench", "--backends", "go", "--batch-size", "2000000"}, cli.ExitUsage, []string{`"2000000"`, "1 to 1048576"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := run(tt.args...)
			if code != tt.code {
				t.Errorf("exit code %d, want %d (stderr %q)", code, tt.code, stderr)
			}
			if lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n"); len(lines) != 1 || !strings.HasSuffix(stderr, "\n") {
				t.Fatalf("stderr is %d lines, want exactly one:\n%s", len(lines), stderr)
			}
			if stackText.MatchString(stderr) {
				t.Errorf("stderr shows a panic or stack: %q", stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr %q does not mention %q", stderr, w)
				}
			}
		})
	}
}
