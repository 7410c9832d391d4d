package sweep

import (
	"errors"
	"fmt"

	"github.com/neurona/neurona/train/runfolder"
)

// lock takes the sweep folder's lock (train's flock on dir/.lock, held by
// the process sweeping there), so that two sweeps never run the same
// folder at once: each would record the other's trials, which fail to lock
// their run folders, as failed. A refusal wraps runfolder.ErrRunInUse and says
// which process holds the folder.
func lock(dir string) (unlock func(), err error) {
	unlock, err = runfolder.LockRunFor(dir, "sweeping")
	if errors.Is(err, runfolder.ErrRunInUse) {
		return nil, fmt.Errorf("%w; a sweep folder is run by one process at a time (when it has stopped, `neurona sweep --resume %s` continues it)", err, dir)
	}
	return unlock, err
}

// Close releases the sweep's folder for another process to resume.
func (s *Sweep) Close() {
	if s.unlock != nil {
		s.unlock()
		s.unlock = nil
	}
}
