package checkpoint

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestPointersFollowSavesAndPruning saves checkpoints with a best in the
// middle and checks after each save that best and last name the right
// ones, as regular files.
func TestPointersFollowSavesAndPruning(t *testing.T) {
	for _, tc := range []struct {
		name       string
		best       string
		accs       []float64 // val_accuracy of each save, steps 10, 20, ...
		wantBest   []int     // the step best names after each save (0: no best)
		wantLast   []int
		keepLast   int
		checkAfter func(t *testing.T, m *Manager)
	}{
		{"best stays on the best epoch while last moves on", "val_accuracy", []float64{0.5, 0.9, 0.7, 0.6},
			[]int{10, 20, 20, 20}, []int{10, 20, 30, 40}, 1, nil},
		{"without a best metric there is no best pointer", "", []float64{0.5, 0.9},
			[]int{0, 0}, []int{10, 20}, 2, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newManager(t, tc.keepLast, tc.best)
			for i, acc := range tc.accs {
				mustSave(t, m, snapshot(10*(i+1), acc))
				for _, p := range []struct {
					name string
					want int
				}{{BestPointer, tc.wantBest[i]}, {LastPointer, tc.wantLast[i]}} {
					path := filepath.Join(m.Dir, p.name)
					if p.want == 0 {
						if _, err := os.Lstat(path); !errors.Is(err, os.ErrNotExist) {
							t.Errorf("after save %d: %s exists (%v), want none", i+1, p.name, err)
						}
						continue
					}
					if !IsPointer(path) {
						t.Fatalf("after save %d: %s is not a pointer file", i+1, p.name)
					}
					dir, err := ReadPointer(path)
					if err != nil {
						t.Fatalf("after save %d: %v", i+1, err)
					}
					if step, _ := StepOfName(filepath.Base(dir)); step != p.want || filepath.Dir(dir) != m.Dir {
						t.Errorf("after save %d: %s names %s, want step %d in %s", i+1, p.name, dir, p.want, m.Dir)
					}
				}
			}
		})
	}
}

// TestReadPointerRefusesWhatIsNotAPointer makes the files a pointer could
// be replaced with, for real, and checks each is refused with a clear error.
func TestReadPointerRefusesWhatIsNotAPointer(t *testing.T) {
	for _, tc := range []struct {
		name    string
		make    func(t *testing.T, dir, path string)
		pointer bool   // IsPointer's answer
		want    string // in ReadPointer's error
	}{
		{"a name that is not a checkpoint's", func(t *testing.T, dir, path string) { write(t, path, "../../etc\n") }, true, "does not hold a checkpoint name"},
		{"a checkpoint that is gone", func(t *testing.T, dir, path string) { write(t, path, "ckpt-000000099\n") }, true, "which is gone"},
		{"a name that is a file", func(t *testing.T, dir, path string) {
			write(t, filepath.Join(dir, "ckpt-000000007"), "x")
			write(t, path, "ckpt-000000007")
		}, true, "not a checkpoint folder"},
		{"a file larger than any pointer", func(t *testing.T, dir, path string) { write(t, path, strings.Repeat("ckpt-000000010\n", 10)) }, true, "larger than"},
		{"a symlink named best", func(t *testing.T, dir, path string) {
			if err := os.Symlink(filepath.Join(dir, "ckpt-000000010"), path); err != nil {
				t.Fatal(err)
			}
		}, false, "symbolic link"},
		{"a FIFO named best", func(t *testing.T, dir, path string) {
			if err := syscall.Mkfifo(path, 0o644); err != nil {
				t.Skipf("mkfifo: %v", err)
			}
		}, false, "not a regular file (named pipe)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newManager(t, 3, "val_accuracy")
			mustSave(t, m, snapshot(10, 0.5))
			path := filepath.Join(m.Dir, BestPointer)
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
			tc.make(t, m.Dir, path)
			if got := IsPointer(path); got != tc.pointer {
				t.Errorf("IsPointer = %t, want %t", got, tc.pointer)
			}
			dir, err := ReadPointer(path)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("ReadPointer = %q, %v; want an error saying %q", dir, err, tc.want)
			}
		})
	}
}

func write(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}
