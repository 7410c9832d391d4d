package train

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/neurona/neurona/data"
	"github.com/neurona/neurona/train/buildinfo"
	"github.com/neurona/neurona/train/checkpoint"
	"github.com/neurona/neurona/train/runfolder"
)

// interrupted saves a checkpoint of where the run stopped and returns the
// context's error.
func (l *loop) interrupted(ctx context.Context) error {
	l.st.Stop, l.st.StoppedBecause = runfolder.StopInterrupted, "interrupted"
	if l.lastSave != l.st.GlobalStep {
		if _, err := l.save("interrupt", nil); err != nil {
			return errors.Join(ctx.Err(), err)
		}
	}
	return ctx.Err()
}

// diverged records a divergence as the reason the run stopped.
func (l *loop) diverged(err *divergedError) error {
	l.st.Stop, l.st.StoppedBecause = runfolder.StopDiverged, err.reason()
	return err
}

// save writes a checkpoint of the current state and reports it.
func (l *loop) save(reason string, metrics map[string]float64) (*CheckpointSaved, error) {
	start := time.Now()
	if err := l.prog.settle(); err != nil {
		return nil, err
	}
	vars, err := storeVariables(l.prog.store)
	if err != nil {
		return nil, err
	}
	if err := checkWeights(vars, l.st.GlobalStep); err != nil {
		return nil, l.diverged(err) // the newest checkpoint stays the last finite one
	}
	meta := checkpointMeta{Config: l.cfg, State: l.st, Dataset: l.dataset, DataDir: l.dataDir, Data: l.data, Backend: l.cfg.Backend, Build: buildinfo.Get()}
	path, size, err := l.ckpts.Save(checkpoint.Snapshot{Step: l.st.GlobalStep, Epoch: l.st.Epoch, Reason: reason,
		Metrics: metrics, Meta: meta, Variables: vars})
	if err != nil {
		return nil, err
	}
	l.lastSave = l.st.GlobalStep
	seconds := time.Since(start).Seconds()
	l.summary.CheckpointSeconds += seconds
	l.summary.Checkpoints++
	l.summary.LastCheckpoint = path
	saved := &CheckpointSaved{Path: path, Size: size, Seconds: seconds, Why: reason}
	l.obs.report(*saved)
	return saved, nil
}

// resumeFrom continues the loop where checkpoint c stopped: retention
// keeps c, the next save counts from its step, the best epoch's weights are
// reloaded for Config.RestoreBest, and the run reports where it resumes.
func (l *loop) resumeFrom(c *checkpoint.Checkpoint) error {
	st := l.st
	l.ckpts.Protect = c.Dir
	l.lastSave = st.GlobalStep
	if err := l.loadBest(); err != nil {
		return err
	}
	saved, _, _, _, err := ResumeConfig(c)
	if err != nil {
		return err
	}
	l.obs.report(Resumed{Dir: c.Dir, GlobalStep: st.GlobalStep, Epoch: st.Epoch, StepInEpoch: st.StepInEpoch,
		Shards: l.cfg.Shards, TrainedShards: max(saved.Shards, 1)})
	return nil
}

// loadBest fills the in-memory best snapshot from the best checkpoint
// after a resume, so Config.RestoreBest still tests the best epoch.
func (l *loop) loadBest() error {
	if !l.cfg.RestoreBest || l.st.BestEpoch == 0 {
		return nil
	}
	dir := l.ckpts.Best()
	if dir == "" {
		return &BestGoneError{Epoch: l.st.BestEpoch}
	}
	c, err := Checkpoints().Open(dir)
	if err != nil {
		return &BestGoneError{Epoch: l.st.BestEpoch, Err: err}
	}
	l.best = map[string]*tensors.Tensor{}
	for _, v := range c.Variables {
		t, err := variableTensor(v)
		if err != nil {
			return err
		}
		l.best[v.Path] = t
	}
	return nil
}

// fillSummary copies the state into the summary.
func (l *loop) fillSummary() {
	s, st := l.summary, l.st
	s.Epochs, s.GlobalStep, s.StoppedBecause, s.StopReason = st.Epoch, st.GlobalStep, st.StoppedBecause, st.Stop
	s.TrainLoss, s.TrainAccuracy = st.TrainLoss, st.TrainAccuracy
	// An interrupted run also trained the part of the epoch it stopped in
	// (its seconds and examples are zero after a whole epoch).
	trained := st.TrainSeconds + st.EpochSeconds
	s.TrainSeconds, s.EvaluatedEpoch = trained, st.Epoch
	s.ValLoss, s.ValAccuracy = st.ValLoss, st.ValAccuracy
	if st.BestEpoch > 0 {
		s.BestEpoch = st.BestEpoch
		best := st.BestVal
		s.BestValAccuracy = &best
	}
	if trained > 0 {
		s.ExamplesPerSecond = float64(st.Examples+st.EpochExamples) / trained
		s.StepsPerSecond = float64(st.GlobalStep) / trained
	}
}

// snapshot copies every variable's value (weights and optimizer state).
func (l *loop) snapshot() error {
	for _, t := range l.best {
		_ = t.FinalizeAll()
	}
	l.best = map[string]*tensors.Tensor{}
	if err := l.prog.settle(); err != nil {
		return err
	}
	for v := range l.prog.store.IterVariables() {
		value, err := v.Value()
		if err != nil {
			return fmt.Errorf("snapshot %s: %w", v.Path(), err)
		}
		c, err := value.LocalClone()
		if err != nil {
			return fmt.Errorf("snapshot %s: %w", v.Path(), err)
		}
		l.best[v.Path()] = c
	}
	return nil
}

// finish restores the best weights if asked, then evaluates the test set.
func (l *loop) finish(test *data.Set) error {
	s := l.summary
	if l.cfg.RestoreBest && l.best != nil {
		for v := range l.prog.store.IterVariables() {
			if t, ok := l.best[v.Path()]; ok {
				if err := v.SetValue(t); err != nil {
					return fmt.Errorf("restore %s: %w", v.Path(), err)
				}
			}
		}
		l.best = nil // the store owns those tensors now
		s.EvaluatedEpoch = s.BestEpoch
	}
	t, err := newTrained(l.prog)
	if err != nil {
		return err
	}
	ev, err := t.Evaluate(test)
	if err != nil {
		return fmt.Errorf("evaluate test: %w", err)
	}
	loss, acc := ev.Loss, ev.Accuracy
	s.TestLoss, s.TestAccuracy, s.Evaluation = &loss, &acc, ev
	var onDisk int64
	if infos, err := checkpoint.List(l.ckpts.Dir, false); err == nil {
		for _, info := range infos {
			onDisk += info.Size
		}
	}
	l.obs.report(Tested{Summary: s, CheckpointBytes: onDisk})
	return nil
}

// BestGoneError is a resumed run that must test its best epoch's weights
// (Config.RestoreBest) when the checkpoint of that epoch is gone (Err nil)
// or does not open (Err).
type BestGoneError struct {
	Epoch int
	Err   error
}

func (e *BestGoneError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("resume restoring the best epoch's weights: %v", e.Err)
	}
	return fmt.Sprintf("resume restoring the best epoch's weights: the checkpoint of the best epoch (%d) is gone", e.Epoch)
}

func (e *BestGoneError) Unwrap() error { return e.Err }
