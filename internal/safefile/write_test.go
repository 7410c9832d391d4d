package safefile

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// The writers' side: OpenFile and Replaceable accept nothing or a regular
// file, and refuse everything else unopened; OpenNoFollow refuses a link.
// Each kind of thing is made for real.
func TestWritersAndNoFollowRefuseWhatIsNotARegularFile(t *testing.T) {
	dir := t.TempDir()
	regular := filepath.Join(dir, "regular")
	if err := os.WriteFile(regular, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(regular, link); err != nil {
		t.Fatal(err)
	}
	device := filepath.Join(dir, "full")
	if os.Geteuid() == 0 {
		if err := syscall.Mknod(device, syscall.S_IFCHR|0o666, 1<<8|7); err != nil { // /dev/full: 1, 7
			t.Fatal(err)
		}
	} else {
		device = "/dev/full"
	}
	for _, tc := range []struct {
		name     string
		path     string
		writable bool // OpenFile and Replaceable accept it
		readable bool // OpenNoFollow accepts it
	}{
		{"a regular file is accepted", regular, true, true},
		{"nothing there may be created (and is read once OpenFile made it)", filepath.Join(dir, "new"), true, true},
		{"a named pipe is refused without blocking", fifo, false, false},
		{"a link is refused, not followed", link, false, false},
		{"a device is refused", device, false, false},
		{"a folder is refused", dir, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Replaceable(tc.path); (err == nil) != tc.writable || err != nil && !errors.Is(err, ErrNotRegular) {
				t.Errorf("Replaceable: %v, want accepted %v", err, tc.writable)
			}
			f, err := OpenFile(tc.path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
			if err == nil {
				f.Close()
			}
			if (err == nil) != tc.writable || err != nil && !errors.Is(err, ErrNotRegular) {
				t.Errorf("OpenFile: %v, want accepted %v", err, tc.writable)
			}
			r, _, err := OpenNoFollow(tc.path)
			if err == nil {
				r.Close()
			}
			if (err == nil) != tc.readable {
				t.Errorf("OpenNoFollow: %v, want accepted %v", err, tc.readable)
			}
		})
	}
	if fi, err := os.Stat(regular); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("the regular file's mode changed: %v, %v", fi.Mode(), err)
	}
}
