package safefile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestReadFileRefusesWhatIsNotASmallRegularFile makes each kind of thing
// for real in a temporary folder; none of them may block or be read.
func TestReadFileRefusesWhatIsNotASmallRegularFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	small := write("small.json", "{}")
	big := write("big.json", strings.Repeat("x", 101))
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(small, link); err != nil {
		t.Fatal(err)
	}
	dangling := filepath.Join(dir, "dangling")
	if err := os.Symlink(filepath.Join(dir, "nothing"), dangling); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, path string
		want       error // nil: read
	}{
		{"a small regular file is read", small, nil},
		{"a link to one is followed", link, nil},
		{"a file over the bound is refused", big, ErrTooLarge},
		{"a named pipe is refused without blocking", fifo, ErrNotRegular},
		{"a directory is refused", dir, ErrNotRegular},
		{"a dangling link is missing", dangling, fs.ErrNotExist},
		{"a character device is refused", "/dev/null", ErrNotRegular},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := ReadFile(tc.path, 100)
			if tc.want == nil {
				if err != nil || string(b) != "{}" {
					t.Fatalf("got %q, %v; want {}", b, err)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want an error wrapping %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.path) {
				t.Errorf("%q does not name %s", err, tc.path)
			}
		})
	}
}

func TestReadFileInStaysInsideTheRoot(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "outside"), []byte("secret"), 0o644); err != nil {
		t.Fatal(err)
	}
	inner := filepath.Join(dir, "run")
	if err := os.Mkdir(inner, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../outside", filepath.Join(inner, "escape")); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(inner, "fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	root, err := os.OpenRoot(inner)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	if b, err := ReadFileIn(root, "escape", 100); err == nil {
		t.Errorf("read %q through a link out of the root", b)
	}
	if _, err := ReadFileIn(root, "fifo", 100); !errors.Is(err, ErrNotRegular) {
		t.Errorf("fifo: got %v, want ErrNotRegular", err)
	}
}
