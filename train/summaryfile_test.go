package train

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/neurona/neurona/internal/safefile"
	"github.com/neurona/neurona/train/checkpoint"
	"github.com/neurona/neurona/train/runfolder"
)

// allocated returns how many bytes f allocates.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// Issue 23 item 5: the summary.json of a run whose model is loaded was
// read without a bound (a 3 GB sparse file cost 3.2 GB of memory), and a
// named pipe there blocked the reader. A 256 MB sparse file must be
// refused unread, and a pipe at once, by ReadSummary and by TrainedOn
// (which eval, predict, report and serve call on every model they load).
func TestSummaryReadsAreBoundedAndTypeChecked(t *testing.T) {
	for _, tc := range []struct {
		name string
		make func(t *testing.T, p string)
		want error
	}{
		{"a 256 MB sparse summary is refused unread", func(t *testing.T, p string) {
			f, err := os.Create(p)
			if err != nil {
				t.Fatal(err)
			}
			if err := f.Truncate(256 << 20); err != nil {
				t.Fatal(err)
			}
			if err := f.Close(); err != nil {
				t.Fatal(err)
			}
		}, safefile.ErrTooLarge},
		{"a named pipe is refused without blocking", func(t *testing.T, p string) {
			if err := syscall.Mkfifo(p, 0o644); err != nil {
				t.Fatal(err)
			}
		}, safefile.ErrNotRegular},
	} {
		t.Run(tc.name, func(t *testing.T) {
			run := t.TempDir()
			p := filepath.Join(run, runfolder.SummaryFile)
			tc.make(t, p)
			c := &checkpoint.Checkpoint{Dir: filepath.Join(run, "checkpoints", "ckpt-000000001"), Meta: []byte(`{"dataset":"abc"}`)}
			done := make(chan struct{})
			var err error
			var n uint64
			go func() {
				defer close(done)
				n = allocated(func() {
					_, err = runfolder.ReadSummary(run)
					if _, dir := TrainedOn(c); dir != "" {
						t.Errorf("TrainedOn found the data folder %q in a summary it should refuse", dir)
					}
				})
			}()
			select {
			case <-done:
			case <-time.After(20 * time.Second):
				for blocked := true; blocked; {
					if w, werr := os.OpenFile(p, os.O_WRONLY|syscall.O_NONBLOCK, 0); werr == nil {
						w.Close() // releases a reader blocked on the pipe
					}
					select {
					case <-done:
						blocked = false
					default:
						runtime.Gosched()
					}
				}
				t.Fatal("still reading summary.json after 20s")
			}
			if !errors.Is(err, tc.want) {
				t.Errorf("ReadSummary: %v, want %v", err, tc.want)
			}
			if n > 32<<20 {
				t.Errorf("allocated %d MB reading a summary it refuses", n>>20)
			}
		})
	}
}
