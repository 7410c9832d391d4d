package cli

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/neurona/neurona/train/runfolder"
)

// lockRunForWriting takes the lock of runDir (runfolder.LockRun) for a command
// about to write into it, so that it never writes into a run folder that
// another neurona process is training, resuming or pruning; reading one
// needs no lock. what names the files concerned ("the pictures"). The
// caller must call unlock when done writing.
func lockRunForWriting(runDir, what string) (unlock func(), err error) {
	unlock, err = runfolder.LockRun(runDir)
	if errors.Is(err, runfolder.ErrRunInUse) {
		return nil, fmt.Errorf("%w: %s not written; run the command again when that process has finished", err, what)
	}
	return unlock, err
}

// inside reports whether path lies in the folder dir (at any depth).
func inside(path, dir string) bool {
	absPath, err1 := filepath.Abs(path)
	absDir, err2 := filepath.Abs(dir)
	if err1 != nil || err2 != nil {
		return false
	}
	rel, err := filepath.Rel(absDir, absPath)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}
