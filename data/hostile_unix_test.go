//go:build unix

package data_test

import (
	"os"
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
