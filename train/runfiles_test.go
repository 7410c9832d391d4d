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
	"github.com/neurona/neurona/train/runfolder"
)

// Issue 23 items 1 and 4: the files train writes in place in a run folder
// (.lock, metrics.jsonl when a run starts or resumes) were opened whatever
// was there: opening a named pipe for writing waits for a reader, forever.
// Each is made a named pipe in turn; each must be refused at once.
func TestRunFilesOfTheWrongKindAreRefused(t *testing.T) {
	for _, tc := range []struct {
		name string
		file string
		open func(dir string) error
	}{
		{"a named pipe as .lock", ".lock", func(dir string) error {
			unlock, err := runfolder.LockRun(dir)
			if err == nil {
				unlock()
			}
			return err
		}},
		{"a named pipe as the metrics.jsonl of a new run", "metrics.jsonl", func(dir string) error {
			rd, _, err := createRunDir(dir)
			if err == nil {
				rd.close()
			}
			return err
		}},
		{"a named pipe as the metrics.jsonl of a resumed run", "metrics.jsonl", func(dir string) error {
			rd, err := openRunDir(dir, runState{}, func(error) {})
			if err == nil {
				rd.close()
			}
			return err
		}},
	} {
		t.Run(tc.name+" is refused without waiting", func(t *testing.T) {
			dir := t.TempDir()
			pipe := filepath.Join(dir, tc.file)
			if err := syscall.Mkfifo(pipe, 0o644); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- tc.open(dir) }()
			var err error
			select {
			case err = <-done:
			case <-time.After(20 * time.Second):
				t.Errorf("still opening %s after 20s", pipe)
				for waiting := true; waiting; {
					// Opening both ends (Linux allows it) releases a
					// reader or a writer blocked on the pipe.
					if r, rerr := os.OpenFile(pipe, os.O_RDWR|syscall.O_NONBLOCK, 0); rerr == nil {
						r.Close()
					}
					select {
					case err = <-done:
						waiting = false
					default:
						runtime.Gosched()
					}
				}
			}
			if !errors.Is(err, safefile.ErrNotRegular) {
				t.Errorf("error %v, want ErrNotRegular", err)
			}
			if st, serr := os.Lstat(pipe); serr != nil || st.Mode().Type() != os.ModeNamedPipe {
				t.Errorf("%s is no longer the named pipe", pipe)
			}
		})
	}
}
