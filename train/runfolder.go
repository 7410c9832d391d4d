package train

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/neurona/neurona/data"
	"github.com/neurona/neurona/internal/atomicfile"
	"github.com/neurona/neurona/train/checkpoint"
	"github.com/neurona/neurona/train/config"
	"github.com/neurona/neurona/train/runfolder"
)

// runFolder is a run's folder, open and locked for training: a new run's,
// or the one a resumed checkpoint belongs to, with the state it saved.
type runFolder struct {
	dir           string
	rd            *runDir
	ckpts         *checkpoint.Manager
	st            runState
	plannedEpochs int    // --epochs of the run a resumed checkpoint belongs to
	dataset       string // DatasetID of the data the run trains on
	obs           observers
	unlock        func()
}

// openRun opens cfg's run folder: with opts.Resume, the checkpoint's (which
// must have been trained on mnist) and the state it saved; else cfg.RunDir
// (runs/<model>-<time> when empty), created. The folder stays locked until
// close.
func openRun(cfg config.Config, mnist *data.MNIST, obs observers, opts Options, start time.Time) (_ *runFolder, err error) {
	f := &runFolder{st: runState{BestVal: -1}, dataset: DatasetID(mnist), obs: obs}
	defer func() {
		if err != nil && f.unlock != nil {
			f.unlock()
		}
	}()
	if opts.Resume != nil {
		err = f.resume(opts.Resume)
	} else {
		err = f.create(cfg, start, opts.Files)
	}
	if err != nil {
		return nil, err
	}
	bestMetric := ""
	if cfg.KeepBest {
		bestMetric = "val_accuracy"
	}
	stage := func(s string) { obs.report(CheckpointStage{s}) }
	if f.ckpts, err = checkpoint.NewManager(runfolder.CheckpointsDir(f.dir), cfg.KeepLast, bestMetric, checkpoint.ManagerOptions{
		Stage: stage, Warn: func(w error) { obs.report(Warned{w}) }, Check: checkSavedModel}); err != nil {
		f.rd.close()
		return nil, err
	}
	return f, nil
}

// resume opens the run folder of checkpoint c, locked, and reads its state.
func (f *runFolder) resume(c *checkpoint.Checkpoint) error {
	var meta checkpointMeta
	if err := json.Unmarshal(c.Meta, &meta); err != nil {
		return fmt.Errorf("checkpoint %s: %w", c.Dir, err)
	}
	if meta.Dataset != f.dataset {
		return fmt.Errorf("checkpoint %s was trained on other data (dataset SHA-256 %.12s…, this data %.12s…)",
			c.Dir, meta.Dataset, f.dataset)
	}
	f.st = meta.State
	f.st.StoppedBecause = runfolder.CurrentWords(f.st.Stop, f.st.StoppedBecause)
	f.plannedEpochs = meta.Config.Epochs
	f.dir = RunDirOf(c)
	var err error
	if f.unlock, err = runfolder.LockRunFor(f.dir, "training"); err != nil {
		return err
	}
	f.obs.report(RunFolderLocked{Dir: f.dir, Resumed: true})
	if f.rd, err = openRunDir(f.dir, f.st, func(w error) { f.obs.report(Warned{w}) }); err == nil {
		f.obs.report(MetricsRewritten{filepath.Join(f.dir, "metrics.jsonl")})
	}
	return err
}

// create makes and locks cfg's run folder for a new run and writes files
// (Options.Files) into it.
func (f *runFolder) create(cfg config.Config, start time.Time, files map[string][]byte) error {
	var err error
	f.dir = cfg.RunDir
	if f.dir == "" {
		// A new folder of its own, even for runs started in the same second.
		if f.dir, err = runfolder.NewRunDir(cfg.Model.Name, start); err != nil {
			return err
		}
	} else if err := os.MkdirAll(f.dir, 0o755); err != nil {
		return fmt.Errorf("create run folder: %w", err)
	}
	// Locked before looking at what the folder holds: a run training
	// there has not saved yet either, and must not be restarted.
	if f.unlock, err = runfolder.LockRunFor(f.dir, "training"); err != nil {
		return err
	}
	f.obs.report(RunFolderLocked{Dir: f.dir})
	var restarted bool
	if f.rd, restarted, err = createRunDir(f.dir); err != nil {
		return err
	}
	if restarted {
		f.obs.report(Restarted{f.dir})
	}
	for name, b := range files {
		if err := atomicfile.WriteFile(filepath.Join(f.dir, name), b); err != nil {
			f.rd.close()
			return fmt.Errorf("run folder %s: %w", f.dir, err)
		}
		f.obs.report(FileWritten{name})
	}
	return nil
}

// close closes the run's files and unlocks its folder.
func (f *runFolder) close() {
	f.rd.close()
	f.unlock()
}
