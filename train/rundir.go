package train

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/neurona/neurona/internal/atomicfile"
	"github.com/neurona/neurona/internal/safefile"
	"github.com/neurona/neurona/internal/safejson"
	"github.com/neurona/neurona/train/checkpoint"
	"github.com/neurona/neurona/train/runfolder"
)

// runDir writes a run's files.
type runDir struct {
	dir     string
	metrics *os.File
}

// createRunDir opens metrics.jsonl of a new run in dir, which the caller
// has created and locked. A folder that holds checkpoints holds a run to
// resume and is refused; one whose run stopped before its first
// checkpoint (killed, or diverged) has nothing to resume, so the run starts
// there afresh: restarted says so, its metrics.jsonl is emptied and its
// summary.json removed.
func createRunDir(dir string) (rd *runDir, restarted bool, err error) {
	infos, err := checkpoint.List(runfolder.CheckpointsDir(dir), false)
	if err != nil {
		return nil, false, fmt.Errorf("run folder %s: %w", dir, err)
	}
	if len(infos) > 0 {
		return nil, false, &RunExistsError{Dir: dir}
	}
	if runfolder.IsRunFolder(dir) {
		restarted = true
		if err := os.Remove(filepath.Join(dir, "summary.json")); err != nil && !os.IsNotExist(err) {
			return nil, false, fmt.Errorf("restart run folder %s: %w", dir, err)
		}
	}
	f, err := safefile.OpenFile(filepath.Join(dir, "metrics.jsonl"), os.O_CREATE|os.O_WRONLY|os.O_TRUNC|os.O_APPEND, 0o644)
	if err != nil {
		return nil, false, fmt.Errorf("create run folder: %w", err)
	}
	return &runDir{dir: dir, metrics: f}, restarted, nil
}

// appendEpoch adds an epoch's line to metrics.jsonl.
func (r *runDir) appendEpoch(m runfolder.EpochMetrics) error { return r.appendLine(m) }

// appendLine adds one line to metrics.jsonl: an EpochMetrics or a
// StepMetrics.
func (r *runDir) appendLine(v any) error {
	line, err := safejson.Marshal(v)
	if err != nil {
		return err
	}
	if _, err := r.metrics.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("write %s: %w", r.metrics.Name(), err)
	}
	return nil
}

// writeSummary writes summary.json through a temporary file and a rename,
// so a reader never sees half of it.
func (r *runDir) writeSummary(s *runfolder.Summary) error {
	return writeJSONAtomic(filepath.Join(r.dir, "summary.json"), s)
}

func (r *runDir) close() error {
	if err := r.metrics.Close(); err != nil {
		return fmt.Errorf("close %s: %w", r.metrics.Name(), err)
	}
	return nil
}

func writeJSONAtomic(path string, v any) error {
	data, err := safejson.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(path, append(data, '\n'))
}

// RunExistsError is a new run asked to train in a folder that already
// holds a run with checkpoints: it is continued by resuming it, or the
// new run goes elsewhere.
type RunExistsError struct{ Dir string }

func (e *RunExistsError) Error() string {
	return fmt.Sprintf("run folder %s already holds a run", e.Dir)
}
