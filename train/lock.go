package train

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// ErrRunInUse is returned when another process holds a run folder.
var ErrRunInUse = errors.New("the run folder is in use by another neurona process")

// LockRun takes an exclusive advisory lock (flock) on runDir/.lock, so that
// two processes never train in, resume or prune the same run folder at
// once (the second would, among other things, clean away the first's save
// in progress). The kernel drops the lock when the process dies, so a
// crashed run never leaves its folder locked.
func LockRun(runDir string) (unlock func(), err error) {
	f, err := os.OpenFile(filepath.Join(runDir, ".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock run folder: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%s: %w", runDir, ErrRunInUse)
		}
		return nil, fmt.Errorf("lock run folder %s: %w", runDir, err)
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
