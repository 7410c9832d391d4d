package runfolder

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/neurona/neurona/internal/safefile"
)

// ErrRunInUse is returned when another process holds a run folder.
var ErrRunInUse = errors.New("the run folder is in use by another neurona process")

// RunInUseError says which process holds a run folder and what it does
// there; it wraps ErrRunInUse.
type RunInUseError struct {
	Dir     string
	PID     int    // 0 if the lock file does not say
	Purpose string // "training", "pruning", ...; "" if the lock file does not say
}

func (e *RunInUseError) Error() string {
	who := "another neurona process"
	if e.PID > 0 {
		who = fmt.Sprintf("another neurona process (pid %d)", e.PID)
	}
	if e.Purpose == "" {
		return fmt.Sprintf("%s is using %s", who, e.Dir)
	}
	return fmt.Sprintf("%s is %s in %s", who, e.Purpose, e.Dir)
}

func (e *RunInUseError) Unwrap() error { return ErrRunInUse }

// LockRun takes the lock of runDir for a command that writes into it
// (pictures, a report); see LockRunFor.
func LockRun(runDir string) (unlock func(), err error) { return LockRunFor(runDir, "") }

// maxLockBytes bounds what is read of another process's .lock: its pid
// and purpose, a line.
const maxLockBytes = 4 << 10

// LockRunFor takes an exclusive advisory lock (flock) on runDir/.lock, so
// that two processes never train in, resume or prune the same run folder
// at once (the second would, among other things, clean away the first's
// save in progress). The kernel drops the lock when the process dies, so
// a crashed run never leaves its folder locked. The lock file holds the
// holder's pid and purpose ("training"), which a RunInUseError reports
// to the process refused.
func LockRunFor(runDir, purpose string) (unlock func(), err error) {
	f, err := safefile.OpenFile(filepath.Join(runDir, ".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock run folder: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		defer f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			inUse := &RunInUseError{Dir: runDir}
			// Read through the open lock file: reopening the path could
			// meet something else put there since.
			if b, err := io.ReadAll(io.NewSectionReader(f, 0, maxLockBytes)); err == nil {
				pid, what, _ := strings.Cut(strings.TrimSpace(string(b)), " ")
				inUse.PID, _ = strconv.Atoi(pid)
				inUse.Purpose = what
			}
			return nil, inUse
		}
		return nil, fmt.Errorf("lock run folder %s: %w", runDir, err)
	}
	// Who holds it, for the error of the next process to try; only a hint,
	// so a failure to write it is not one of the lock.
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strings.TrimSpace(fmt.Sprintf("%d %s", os.Getpid(), purpose))+"\n"), 0)
	}
	return func() {
		_ = f.Truncate(0)
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
