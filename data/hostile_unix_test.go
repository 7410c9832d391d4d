//go:build unix

package data_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/neurona/neurona/data"
)

// Issue 18 item 15: a named pipe where a data file should be is reported as
// one, at once: it is never opened, so nothing waits for a writer. Should a
// reader block on it anyway, a watchdog opens the pipe for writing after a
// few seconds, which releases the reader, and the test fails.
func TestNamedPipeIsNotRead(t *testing.T) {
	var blocked atomic.Bool
	checkNotRegular(t, func(t *testing.T, p string) {
		if err := syscall.Mkfifo(p, 0o644); err != nil {
			t.Skip(err)
		}
		stop := make(chan struct{})
		t.Cleanup(func() { close(stop) })
		go func() {
			for {
				select {
				case <-stop:
					return
				case <-time.After(3 * time.Second):
				}
				// Succeeds only while someone has the pipe open for reading.
				if w, err := os.OpenFile(p, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
					blocked.Store(true)
					w.Close()
				}
			}
		}()
	}, "t10k-images-idx3-ubyte.gz", data.ErrNotRegular, "is not a regular file (named pipe)")
	if blocked.Load() {
		t.Error("a reader opened the named pipe and waited for a writer")
	}
}

// Issue 23 item 4: LoadPNG (predict's image) opened its path before
// looking at it, so a named pipe hung `neurona predict` forever and a
// device was read. Each is made for real; LoadPNG must refuse it at once.
// A reader that blocks anyway is released by opening the pipe for writing
// once the deadline has passed, and the test fails.
func TestLoadPNGRefusesWhatIsNotARegularFile(t *testing.T) {
	for _, tc := range []struct {
		name    string
		make    func(t *testing.T, p string)
		mention string
	}{
		{"a named pipe is refused without blocking", func(t *testing.T, p string) {
			if err := syscall.Mkfifo(p, 0o644); err != nil {
				t.Skip(err)
			}
		}, "named pipe"},
		{"a character device is refused unread", func(t *testing.T, p string) {
			if os.Geteuid() != 0 {
				t.Skip("making a device node needs root")
			}
			if err := syscall.Mknod(p, syscall.S_IFCHR|0o666, 1<<8|5); err != nil { // /dev/zero: 1, 5
				t.Fatal(err)
			}
		}, "character device"},
		{"a folder is refused", func(t *testing.T, p string) {
			if err := os.Mkdir(p, 0o755); err != nil {
				t.Fatal(err)
			}
		}, "is a directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "digit.png")
			tc.make(t, p)
			done := make(chan error, 1)
			go func() {
				_, err := data.LoadPNG(p)
				done <- err
			}()
			var err error
			select {
			case err = <-done:
			case <-time.After(10 * time.Second):
				if w, werr := os.OpenFile(p, os.O_WRONLY|syscall.O_NONBLOCK, 0); werr == nil {
					w.Close() // releases a reader blocked on the pipe
				}
				t.Fatalf("LoadPNG(%s) did not return within 10s", p)
			}
			if !errors.Is(err, data.ErrNotRegular) || !strings.Contains(err.Error(), tc.mention) {
				t.Errorf("error %v, want ErrNotRegular saying %q", err, tc.mention)
			}
		})
	}
}

// Issue 23 item 1: Fetch renamed each download over whatever was where the
// file goes. A named pipe or a device there is refused, and left as it is.
func TestFetchKeepsWhatIsNotARegularFile(t *testing.T) {
	for _, tc := range []struct {
		name string
		make func(t *testing.T, p string)
		mode os.FileMode
	}{
		{"a named pipe", func(t *testing.T, p string) {
			if err := syscall.Mkfifo(p, 0o644); err != nil {
				t.Skip(err)
			}
		}, os.ModeNamedPipe},
		{"a character device", func(t *testing.T, p string) {
			if os.Geteuid() != 0 {
				t.Skip("making a device node needs root")
			}
			if err := syscall.Mknod(p, syscall.S_IFCHR|0o666, 1<<8|7); err != nil { // /dev/full: 1, 7
				t.Fatal(err)
			}
		}, os.ModeDevice | os.ModeCharDevice},
	} {
		t.Run(tc.name+" where a file goes is kept", func(t *testing.T) {
			dir := t.TempDir()
			p := filepath.Join(dir, data.Files[0].Name+".gz")
			tc.make(t, p)
			// No mirror is asked: the refusal comes first.
			err := data.Fetch(context.Background(), nil, []string{"http://127.0.0.1:1/"}, dir, t.Logf)
			if !errors.Is(err, data.ErrNotRegular) || !strings.Contains(err.Error(), p) {
				t.Errorf("error %v, want ErrNotRegular naming %s", err, p)
			}
			if st, err := os.Lstat(p); err != nil || st.Mode().Type() != tc.mode {
				t.Errorf("%s is now %v (%v), want it kept", p, st.Mode().Type(), err)
			}
		})
	}
}
