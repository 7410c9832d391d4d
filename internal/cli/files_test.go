package cli_test

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/neurona/neurona/internal/cli"
)

// mainWithin runs cli.Main on args and fails the test if it has not
// returned within 20 seconds, opening the named pipes for writing until it
// does (which releases a reader blocked on one), so that a regression
// fails instead of hanging.
func mainWithin(t *testing.T, pipes []string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	done := make(chan struct{})
	go func() {
		defer close(done)
		code = cli.Main(args, &out, &errOut)
	}()
	select {
	case <-done:
		return code, out.String(), errOut.String()
	case <-time.After(20 * time.Second):
	}
	t.Errorf("neurona %s: still running after 20s (blocked on a named pipe?)", strings.Join(args, " "))
	for {
		for _, p := range pipes {
			if w, err := os.OpenFile(p, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
				w.Close()
			}
		}
		select {
		case <-done:
			return code, out.String(), errOut.String()
		default:
			runtime.Gosched()
		}
	}
}

// Issue 23 items 4 and 19: files of the wrong kind, made for real, given on
// the command line or met inside a run folder. Nothing may wait on a named
// pipe or read a device; a path of the wrong kind exits 2 with one line
// naming it, wherever it is met.
func TestFilesOfTheWrongKind(t *testing.T) {
	type setup struct {
		args  []string
		pipes []string
	}
	fifo := func(t *testing.T, p string) string {
		if err := syscall.Mkfifo(p, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name    string
		make    func(t *testing.T, dir string) setup
		code    int
		mention string
	}{
		{"predict with a folder for an image exits 2", func(t *testing.T, dir string) setup {
			img := filepath.Join(dir, "dir.png")
			if err := os.Mkdir(img, 0o755); err != nil {
				t.Fatal(err)
			}
			return setup{args: []string{"predict", mkRun(t, dir), img}}
		}, cli.ExitUsage, "is a directory"},
		{"predict with a named pipe for an image exits 2 at once", func(t *testing.T, dir string) setup {
			img := fifo(t, filepath.Join(dir, "pipe.png"))
			return setup{args: []string{"predict", mkRun(t, dir), img}, pipes: []string{img}}
		}, cli.ExitUsage, "named pipe"},
		{"predict with a device for an image exits 2 unread", func(t *testing.T, dir string) setup {
			if os.Geteuid() != 0 {
				t.Skip("making a device node needs root")
			}
			img := filepath.Join(dir, "zero.png")
			if err := syscall.Mknod(img, syscall.S_IFCHR|0o666, 1<<8|5); err != nil { // /dev/zero: 1, 5
				t.Fatal(err)
			}
			return setup{args: []string{"predict", mkRun(t, dir), img}}
		}, cli.ExitUsage, "character device"},
		{"runs list of a loop of links exits 2", func(t *testing.T, dir string) setup {
			loop := filepath.Join(dir, "loop")
			if err := os.Symlink(loop, loop); err != nil {
				t.Fatal(err)
			}
			return setup{args: []string{"runs", "list", loop}}
		}, cli.ExitUsage, "is a loop of symbolic links"},
		{"runs list of a path through a file exits 2", func(t *testing.T, dir string) setup {
			file := filepath.Join(dir, "file")
			if err := os.WriteFile(file, nil, 0o644); err != nil {
				t.Fatal(err)
			}
			return setup{args: []string{"runs", "list", filepath.Join(file, "runs")}}
		}, cli.ExitUsage, "not a directory"},
		{"report of a run whose summary.json is a loop of links exits 2", func(t *testing.T, dir string) setup {
			run := mkRun(t, dir)
			loop := filepath.Join(run, "summary.json")
			if err := os.Symlink(loop, loop); err != nil {
				t.Fatal(err)
			}
			return setup{args: []string{"report", run, "--out", filepath.Join(dir, "r.html")}}
		}, cli.ExitUsage, "too many levels of symbolic links"},
		{"report of a run whose summary.json is a named pipe exits 2 at once", func(t *testing.T, dir string) setup {
			run := mkRun(t, dir)
			return setup{args: []string{"report", run, "--out", filepath.Join(dir, "r.html")}, pipes: []string{fifo(t, filepath.Join(run, "summary.json"))}}
		}, cli.ExitUsage, "named pipe"},
		{"report of a run whose metrics.jsonl is a named pipe exits 2 at once", func(t *testing.T, dir string) setup {
			run := mkRun(t, dir)
			p := filepath.Join(run, "metrics.jsonl")
			if err := os.Remove(p); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(run, "summary.json"), []byte(`{"epochs":1}`), 0o644); err != nil {
				t.Fatal(err)
			}
			return setup{args: []string{"report", run, "--out", filepath.Join(dir, "r.html")}, pipes: []string{fifo(t, p)}}
		}, cli.ExitUsage, "named pipe"},
		{"eval of a run whose summary.json is a named pipe does not wait on it", func(t *testing.T, dir string) setup {
			run := mkRun(t, dir)
			return setup{args: []string{"eval", run}, pipes: []string{fifo(t, filepath.Join(run, "summary.json"))}}
		}, -1, "named pipe"},
		{"explain of a run whose summary.json is a named pipe does not wait on it", func(t *testing.T, dir string) setup {
			run := mkRun(t, dir)
			return setup{args: []string{"explain", run, "--out", filepath.Join(dir, "e.png")}, pipes: []string{fifo(t, filepath.Join(run, "summary.json"))}}
		}, -1, "named pipe"},
		{"runs list of runs with named pipes does not wait on them", func(t *testing.T, dir string) setup {
			run := mkRun(t, dir)
			return setup{args: []string{"runs", "list", dir}, pipes: []string{fifo(t, filepath.Join(run, "summary.json"))}}
		}, cli.ExitOK, ""},
		{"runs compare of runs with named pipes does not wait on them", func(t *testing.T, dir string) setup {
			a, b := mkRun(t, dir), mkRun(t, dir)
			for _, r := range []string{a, b} {
				if err := os.WriteFile(filepath.Join(r, "summary.json"), []byte(`{"epochs":1}`), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			m := filepath.Join(a, "metrics.jsonl")
			if err := os.Remove(m); err != nil {
				t.Fatal(err)
			}
			return setup{args: []string{"runs", "compare", a, b, "--out", filepath.Join(dir, "c.png")}, pipes: []string{fifo(t, m)}}
		}, -1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.make(t, t.TempDir())
			code, _, stderr := mainWithin(t, s.pipes, s.args...)
			if tt.code >= 0 && code != tt.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tt.code, stderr)
			}
			if tt.code == cli.ExitUsage && strings.Count(stderr, "\n") != 1 {
				t.Errorf("stderr is not one line:\n%s", stderr)
			}
			if !strings.Contains(stderr, tt.mention) {
				t.Errorf("stderr does not say %q:\n%s", tt.mention, stderr)
			}
		})
	}
}

// Issue 23 item 5: explain and eval read a run's summary.json without a
// bound (a 3 GB sparse file cost 3.2 GB of memory). A 256 MB one must be
// refused unread.
func TestALargeSummaryIsNotRead(t *testing.T) {
	for _, args := range [][]string{{"eval"}, {"explain", "--out", "e.png"}} {
		t.Run(args[0]+" refuses a 256 MB summary.json unread", func(t *testing.T) {
			dir := t.TempDir()
			rundir := mkRun(t, dir)
			f, err := os.Create(filepath.Join(rundir, "summary.json"))
			if err != nil {
				t.Fatal(err)
			}
			if err := f.Truncate(256 << 20); err != nil {
				t.Fatal(err)
			}
			if err := f.Close(); err != nil {
				t.Fatal(err)
			}
			if len(args) > 1 {
				args[2] = filepath.Join(dir, args[2])
			}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, _, stderr := run(append([]string{args[0], rundir}, args[1:]...)...)
			runtime.ReadMemStats(&after)
			if n := after.TotalAlloc - before.TotalAlloc; n > 64<<20 {
				t.Errorf("allocated %d MB; stderr:\n%s", n>>20, stderr)
			}
			if !strings.Contains(stderr, "larger than 16 MB") {
				t.Errorf("stderr does not say the summary is too large:\n%s", stderr)
			}
		})
	}
}
