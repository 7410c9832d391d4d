package sweep

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/neurona/neurona/train"
	"github.com/neurona/neurona/train/runfolder"
)

// done reports whether a trial needs no more training: it finished, or it
// diverged. Another failure (a full disk, a run folder locked by another
// process) may not happen again, so the trial is tried again.
func (r Result) done() bool { return r.Status == Finished || r.Status == Failed && r.Diverged }

// Count returns how many of s's trials finished and how many failed.
func (s *Sweep) Count() (finished, failed int) {
	for _, e := range s.Trials {
		switch e.Result.Status {
		case Finished:
			finished++
		case Failed:
			failed++
		}
	}
	return finished, failed
}

// hasCheckpoint reports whether the run folder dir holds a checkpoint to
// resume from.
func hasCheckpoint(dir string) bool {
	entries, err := os.ReadDir(runfolder.CheckpointsDir(dir))
	if err != nil {
		return false
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "ckpt-") {
			return true
		}
	}
	return false
}

// finishedResult is the result of a run folder whose run finished.
func finishedResult(dir string) (Result, bool) {
	s, err := runfolder.ReadSummary(dir)
	if err != nil || s.TestAccuracy == nil || s.Reason() == runfolder.StopInterrupted {
		return Result{}, false
	}
	return Result{Status: Finished, BestEpoch: s.BestEpoch, ValAccuracy: bestVal(s), TestAccuracy: s.TestAccuracy,
		Epochs: s.Epochs, TrainSeconds: s.TrainSeconds, StoppedBecause: s.StoppedBecause, WallSeconds: s.WallSeconds}, true
}

// bestVal is the run's best validation accuracy, or its last one.
func bestVal(s *runfolder.Summary) *float64 {
	if s.BestValAccuracy != nil {
		return s.BestValAccuracy
	}
	return s.ValAccuracy
}

// resultOf is the result of a trial whose train call returned err. A run
// folder that holds a finished run's summary is a finished trial whatever
// err says (train may fail after its summary, drawing a picture on a full
// disk): a trial that finished is never recorded as failed.
func resultOf(dir string, err error) Result {
	if r, ok := finishedResult(dir); ok {
		return r
	}
	r := Result{Status: Failed, Diverged: errors.Is(err, train.ErrDiverged)}
	if err != nil {
		r.Error = strings.SplitN(err.Error(), "\n", 2)[0]
	} else {
		r.Error = "train returned without a tested model"
	}
	if s, serr := runfolder.ReadSummary(dir); serr == nil {
		r.Epochs, r.TrainSeconds, r.StoppedBecause, r.ValAccuracy = s.Epochs, s.TrainSeconds, s.StoppedBecause, bestVal(s)
	}
	return r
}

// settingsLine is "lr=3e-3 hidden=512,512".
func settingsLine(t Trial, swept []string) string {
	parts := make([]string, 0, len(swept))
	for _, f := range swept {
		parts = append(parts, f+"="+t.Settings[f])
	}
	return strings.Join(parts, " ")
}

// resultLine is "val 0.9712  test 0.9690", or the failure.
func resultLine(r Result) string {
	if r.Status != Finished {
		return r.Status + ": " + r.Error
	}
	return "val " + accuracy(r.ValAccuracy) + "  test " + accuracy(r.TestAccuracy)
}

// accuracy formats an accuracy, "-" when there is none.
func accuracy(a *float64) string {
	if a == nil {
		return "-"
	}
	return fmt.Sprintf("%.4f", *a)
}
