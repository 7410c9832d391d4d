package runs

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"
)

// Issue 23 item 10: `runs list DIR` found nothing when DIR was a symbolic
// link to a runs folder (runs/ linked to a larger disk is common). The
// root is resolved once; links below it are still not followed.
func TestFindResolvesTheRootOnly(t *testing.T) {
	real := fakeRuns(t)
	links := t.TempDir()
	linked := filepath.Join(links, "runs")
	if err := os.Symlink(real, linked); err != nil {
		t.Fatal(err)
	}
	other := t.TempDir()
	fakeRun(t, filepath.Join(other, "elsewhere"), nil, 0.5)
	if err := os.Symlink(filepath.Join(other, "elsewhere"), filepath.Join(real, "link-to-a-run")); err != nil {
		t.Fatal(err)
	}
	loop := filepath.Join(links, "loop")
	if err := os.Symlink(loop, loop); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		root    string
		want    int   // runs found
		wantErr error // or the error
	}{
		{"the runs folder itself lists its four runs, not the one linked below it", real, 4, nil},
		{"a link to the runs folder lists the same four", linked, 4, nil},
		{"a loop of links is refused as one", loop, 0, syscall.ELOOP},
	} {
		t.Run(tc.name, func(t *testing.T) {
			found, err := Find(tc.root)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("error %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(found.Runs) != tc.want {
				t.Fatalf("found %d runs, want %d", len(found.Runs), tc.want)
			}
			for _, r := range found.Runs {
				if filepath.Dir(r.Dir) != tc.root && filepath.Dir(filepath.Dir(r.Dir)) != tc.root {
					t.Errorf("run %s is not named below %s", r.Dir, tc.root)
				}
			}
		})
	}
}

// Issue 23 item 4: a named pipe in a run folder was opened before its type
// was checked, so `runs list` and `runs compare` waited forever for a
// writer. Each file they read is made a named pipe in turn; each must be
// passed over at once. A reader that blocks anyway is released by opening
// the pipe for writing once the deadline has passed, and the test fails.
func TestNamedPipesInARunDoNotHangListOrCompare(t *testing.T) {
	for _, name := range []string{"summary.json", "metrics.jsonl", "checkpoints/ckpt-000000001/manifest.json", "checkpoints/ckpt-000000001/meta.json"} {
		t.Run("a named pipe as "+name, func(t *testing.T) {
			root := t.TempDir()
			run := filepath.Join(root, "run")
			fakeRun(t, run, map[string]any{"epochs": 1}, 0.5)
			pipe := filepath.Join(run, name)
			if err := os.MkdirAll(filepath.Dir(pipe), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Remove(pipe); err != nil && !errors.Is(err, os.ErrNotExist) {
				t.Fatal(err)
			}
			if err := syscall.Mkfifo(pipe, 0o644); err != nil {
				t.Fatal(err)
			}
			finishes(t, pipe, func() {
				found, err := Find(root)
				if err != nil || len(found.Runs) != 1 {
					t.Errorf("Find: %d runs, %v; want the one", len(found.Runs), err)
					return
				}
				list := []Run{found.Runs[0], Describe(run, "again")}
				if err := WriteCompare(io.Discard, list); err != nil {
					t.Errorf("WriteCompare: %v", err)
				}
				_ = ComparePicture(filepath.Join(t.TempDir(), "compare.png"), list) // may find nothing to draw
			})
		})
	}
}

// finishes runs f and fails if it has not returned within 20 seconds,
// releasing a reader blocked on the named pipe so that f can end.
func finishes(t *testing.T, pipe string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
		return
	case <-time.After(20 * time.Second):
	}
	t.Errorf("still reading after 20s: blocked on the named pipe %s", pipe)
	for {
		if w, err := os.OpenFile(pipe, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			w.Close()
		}
		select {
		case <-done:
			return
		default:
			runtime.Gosched()
		}
	}
}
