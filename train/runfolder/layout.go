package runfolder

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// CheckpointsDir is the folder of a run folder that holds its checkpoints.
func CheckpointsDir(runDir string) string { return filepath.Join(runDir, "checkpoints") }

// DefaultRunDir is runs/<model>-<timestamp> under the current folder: the
// name NewRunDir tries first.
func DefaultRunDir(model string, now time.Time) string {
	return filepath.Join("runs", model+"-"+now.Format("20060102-150405"))
}

// maxRunDirTries bounds the suffixes NewRunDir tries (-2 ... -999).
const maxRunDirTries = 999

// NewRunDir creates a new, empty run folder for a run of model started at
// now: DefaultRunDir, or with -2, -3... appended when that exists. Each
// name is claimed with one os.Mkdir, which fails if it exists, so two runs
// started in the same second (in two processes) never share a folder.
func NewRunDir(model string, now time.Time) (string, error) {
	base := DefaultRunDir(model, now)
	if err := os.MkdirAll(filepath.Dir(base), 0o755); err != nil {
		return "", fmt.Errorf("create run folder: %w", err)
	}
	for i := 1; i <= maxRunDirTries; i++ {
		dir := base
		if i > 1 {
			dir = fmt.Sprintf("%s-%d", base, i)
		}
		err := os.Mkdir(dir, 0o755)
		if err == nil {
			return dir, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return "", fmt.Errorf("create run folder: %w", err)
		}
	}
	return "", &RunDirsTakenError{Base: base, Others: maxRunDirTries - 1}
}

// IsRunFolder reports whether dir holds a run's metrics.jsonl or summary.json.
func IsRunFolder(dir string) bool {
	for _, name := range []string{"metrics.jsonl", "summary.json"} {
		if _, err := os.Lstat(filepath.Join(dir, name)); err == nil {
			return true
		}
	}
	return false
}

// NoCheckpointError is ResolveCheckpoint's error for a run folder whose
// run stopped before its first checkpoint: there are no weights to resume,
// evaluate or predict with. Its words suit every command and name none: a
// front end adds how to train it again (the command line: train with the
// folder as the run folder, which is reused).
type NoCheckpointError struct {
	Dir string // the run folder
}

func (e *NoCheckpointError) Error() string {
	return fmt.Sprintf("%s is a run folder without a checkpoint: its run stopped before its first save, so it has no trained weights", e.Dir)
}

// RunDirsTakenError is NewRunDir finding Base and its Others numbered
// variants all taken: the run's folder must be chosen.
type RunDirsTakenError struct {
	Base   string
	Others int
}

func (e *RunDirsTakenError) Error() string {
	return fmt.Sprintf("create run folder: %s and %d others like it exist already", e.Base, e.Others)
}
