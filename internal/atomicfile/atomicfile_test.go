package atomicfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/neurona/neurona/internal/safefile"
)

// devFull is /dev/full's device number (major 1, minor 7) as Linux packs
// it for mknod.
const devFull = 1<<8 | 7

func TestWriteFileReplacesAtomically(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "summary.json")
	for _, content := range []string{"first", "second, longer"} {
		if err := WriteFile(path, []byte(content)); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(path)
		if err != nil || string(got) != content {
			t.Fatalf("read %q, %v; want %q", got, err, content)
		}
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", fi.Mode().Perm())
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}
}

func TestWriteFileIntoAMissingFolderFailsAndNamesTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "no", "such", "file.png")
	if err := WriteFile(path, []byte("x")); err == nil {
		t.Fatal("no error")
	} else if want := "write " + path; len(err.Error()) < len(want) || err.Error()[:len(want)] != want {
		t.Errorf("error %q does not name %s", err, path)
	}
}

// Issue 23 item 1: WriteFile renamed over whatever was at the path, so that
// as root `report --out /dev/full` replaced the device with a file. Each
// kind of thing is made for real; none may be replaced, and nothing in the
// folder may change.
func TestWriteFileRefusesWhatIsNotARegularFile(t *testing.T) {
	for _, tc := range []struct {
		name string
		make func(t *testing.T, path string)
	}{
		{"a character device like /dev/full is kept", func(t *testing.T, p string) {
			if os.Geteuid() != 0 {
				t.Skip("making a device node needs root")
			}
			if err := syscall.Mknod(p, syscall.S_IFCHR|0o666, devFull); err != nil {
				t.Fatal(err)
			}
		}},
		{"a named pipe is kept", func(t *testing.T, p string) {
			if err := syscall.Mkfifo(p, 0o644); err != nil {
				t.Fatal(err)
			}
		}},
		{"a directory is kept", func(t *testing.T, p string) {
			if err := os.Mkdir(p, 0o755); err != nil {
				t.Fatal(err)
			}
		}},
		{"a symbolic link is kept, not replaced by a file", func(t *testing.T, p string) {
			target := filepath.Join(filepath.Dir(p), "target")
			if err := os.WriteFile(target, []byte("kept"), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(target, p); err != nil {
				t.Fatal(err)
			}
		}},
		{"a dangling symbolic link is kept", func(t *testing.T, p string) {
			if err := os.Symlink(filepath.Join(filepath.Dir(p), "nothing"), p); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "out")
			tc.make(t, path)
			before := snapshot(t, dir)
			err := WriteFile(path, []byte("new"))
			if !errors.Is(err, safefile.ErrNotRegular) || !strings.Contains(err.Error(), path) {
				t.Fatalf("got %v, want an error naming %s and wrapping ErrNotRegular", err, path)
			}
			if after := snapshot(t, dir); after != before {
				t.Errorf("the folder changed:\nbefore %s\nafter  %s", before, after)
			}
		})
	}
}

// snapshot describes every entry of dir (name, type, mode, size), for
// comparing before and after.
func snapshot(t *testing.T, dir string) string {
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

// An existing file keeps its mode: a 0600 file written over stays private.
func TestWriteFileKeepsTheModeOfTheFileReplaced(t *testing.T) {
	for _, mode := range []os.FileMode{0o600, 0o640, 0o755} {
		t.Run(fmt.Sprintf("a %04o file stays %04o", mode, mode), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "report.html")
			if err := os.WriteFile(path, []byte("old"), mode); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, mode); err != nil { // past the umask
				t.Fatal(err)
			}
			if err := WriteFile(path, []byte("new")); err != nil {
				t.Fatal(err)
			}
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != mode {
				t.Errorf("mode %04o, want %04o", fi.Mode().Perm(), mode)
			}
		})
	}
}

// A failed write names the file asked for and the cause, never the
// temporary file it was writing (gone by then), and still wraps the cause.
func TestWriteFileErrorsNameNoTemporaryFile(t *testing.T) {
	notAFolder := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notAFolder, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(notAFolder, "summary.json")
	err := WriteFile(path, []byte("x"))
	if err == nil {
		t.Fatal("no error")
	}
	// Looking at the path (lstat) fails first: the folder is a file.
	if want := "write " + path + ": lstat: not a directory"; err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
	if !errors.Is(err, syscall.ENOTDIR) {
		t.Errorf("error %q does not wrap ENOTDIR", err)
	}
	if strings.Contains(err.Error(), ".tmp-") {
		t.Errorf("error %q names the temporary file", err)
	}
}
