package cli_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/neurona/neurona/internal/cli"
)

// devFull is /dev/full's device number (major 1, minor 7) as Linux packs
// it for mknod.
const devFull = 1<<8 | 7

// Issue 23 item 1: every writer renamed its file over whatever was at the
// path, so that as root `neurona report RUN --out /dev/full` replaced the
// device with a regular file, and a named pipe went the same way. Every
// command that writes a file named on its command line must refuse a path
// that is there but is not a regular file: one line naming the flag and
// the path, exit 2, and nothing on disk changed. Each kind of thing is
// made for real in a temporary folder.
func TestOutputPathOfTheWrongKindIsRefused(t *testing.T) {
	kinds := []struct {
		name    string
		make    func(t *testing.T, p string)
		mention string
	}{
		{"a character device like /dev/full", func(t *testing.T, p string) {
			if os.Geteuid() != 0 {
				t.Skip("making a device node needs root")
			}
			if err := syscall.Mknod(p, syscall.S_IFCHR|0o666, devFull); err != nil {
				t.Fatal(err)
			}
		}, "character device"},
		{"a named pipe", func(t *testing.T, p string) {
			if err := syscall.Mkfifo(p, 0o644); err != nil {
				t.Fatal(err)
			}
		}, "named pipe"},
		{"a folder", func(t *testing.T, p string) {
			if err := os.Mkdir(p, 0o755); err != nil {
				t.Fatal(err)
			}
		}, "is a directory"},
		{"a symbolic link", func(t *testing.T, p string) {
			if err := os.Symlink(filepath.Join(filepath.Dir(p), "elsewhere"), p); err != nil {
				t.Fatal(err)
			}
		}, "symbolic link"},
	}
	commands := []struct {
		name string
		args func(dir, out string) []string
		flag string
	}{
		{"report --out", func(dir, out string) []string { return []string{"report", mkRun(t, dir), "--out", out} }, "--out"},
		{"explain --out", func(dir, out string) []string { return []string{"explain", mkRun(t, dir), "--out", out} }, "--out"},
		{"plot activations --out", func(_, out string) []string { return []string{"plot", "activations", "--out", out} }, "--out"},
		{"data show --out", func(dir, out string) []string { return []string{"data", "show", "--data-dir", dir, "--out", out} }, "--out"},
		{"runs compare --out", func(dir, out string) []string {
			return []string{"runs", "compare", mkRun(t, dir), mkRun(t, dir), "--out", out}
		}, "--out"},
		{"bench --json-out", func(dir, out string) []string {
			return []string{"bench", "--backends", "go", "--data-dir", dir, "--json-out", out}
		}, "--json-out"},
		{"bench --md", func(dir, out string) []string {
			return []string{"bench", "--backends", "go", "--data-dir", dir, "--md", out}
		}, "--md"},
		{"bench --plot", func(dir, out string) []string {
			return []string{"bench", "--backends", "go", "--data-dir", dir, "--plot", out}
		}, "--plot"},
	}
	for _, c := range commands {
		for _, k := range kinds {
			t.Run(fmt.Sprintf("%s refuses %s", c.name, k.name), func(t *testing.T) {
				dir := t.TempDir()
				outDir := t.TempDir()
				out := filepath.Join(outDir, "out.png")
				k.make(t, out)
				before := listing(t, outDir)
				code, _, stderr := run(c.args(dir, out)...)
				if code != cli.ExitUsage || strings.Count(stderr, "\n") != 1 ||
					!strings.Contains(stderr, c.flag+" "+out) || !strings.Contains(stderr, k.mention) {
					t.Errorf("exit %d, stderr %q; want exit 2 and one line naming %s %s and %q", code, stderr, c.flag, out, k.mention)
				}
				if after := listing(t, outDir); after != before {
					t.Errorf("the folder changed:\nbefore %s\nafter  %s", before, after)
				}
			})
		}
	}
}

// mkRun makes a folder that passes for a run folder on the command line (it
// holds a metrics.jsonl) below dir.
func mkRun(t *testing.T, dir string) string {
	t.Helper()
	run, err := os.MkdirTemp(dir, "run-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(run, "metrics.jsonl"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	return run
}

// listing describes every entry of dir (name, type and mode, size).
func listing(t *testing.T, dir string) string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	for _, e := range entries {
		fi, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&sb, "%s %v %d; ", e.Name(), fi.Mode(), fi.Size())
	}
	return sb.String()
}

// A file written over keeps its mode: a private 0600 picture stays private.
func TestOutputFileKeepsItsMode(t *testing.T) {
	out := filepath.Join(t.TempDir(), "activations.png")
	if err := os.WriteFile(out, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := run("plot", "activations", "--points", "2", "--out", out); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	fi, err := os.Stat(out)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 || fi.Size() <= 3 {
		t.Errorf("mode %04o, %d bytes; want a new picture, still 0600", fi.Mode().Perm(), fi.Size())
	}
}
