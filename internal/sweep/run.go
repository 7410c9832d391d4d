package sweep

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/neurona/neurona/train"
	"github.com/neurona/neurona/train/runfolder"
)

// TrainFunc trains one trial: `neurona train` with args, in this process
// or another. It returns when the run has finished, failed or stopped.
type TrainFunc func(ctx context.Context, args []string) error

// Run trains every trial not yet finished, one after the other, saving
// sweep.json after each and printing a line per trial to out. A trial with
// a checkpoint continues from it (--resume), one without starts in its
// folder, and one whose folder holds a finished run (finished before the
// sweep could record it, or recorded failed by an older neurona) is
// recorded as finished, so that nothing is lost or done twice. A failed
// trial (train returned an error) is recorded and the sweep goes on; the
// next Run tries it again, unless it diverged (trying again would diverge
// again). When ctx is cancelled the trial in progress is marked
// interrupted and Run returns ctx.Err().
func (s *Sweep) Run(ctx context.Context, trainFn TrainFunc, out io.Writer) error {
	todo := 0
	for _, e := range s.Trials {
		if !e.Result.done() {
			todo++
		}
	}
	if todo < len(s.Trials) && todo > 0 {
		fmt.Fprintf(out, "sweep    %s: %d of %d trials done, %d to go\n", s.dir, len(s.Trials)-todo, len(s.Trials), todo)
	}
	var spent time.Duration
	ran := 0
	for i := range s.Trials {
		e := &s.Trials[i]
		if e.Result.done() {
			continue
		}
		dir := s.TrialDir(e.Trial)
		if r, ok := finishedResult(dir); ok { // finished before a kill let the sweep record it
			e.Result = r
			if err := s.Save(); err != nil {
				return err
			}
			continue
		}
		args := append(append([]string{}, e.Args...), "--run-dir="+dir)
		if hasCheckpoint(dir) {
			args = []string{"--resume=" + dir}
		}
		e.Result = Result{Status: Running}
		if err := s.Save(); err != nil {
			return err
		}
		start := time.Now()
		err := trainFn(ctx, args)
		took := time.Since(start)
		if ctx.Err() != nil {
			e.Result.Status = Interrupted
			if serr := s.Save(); serr != nil {
				return serr
			}
			return ctx.Err()
		}
		e.Result = resultOf(dir, err)
		e.Result.WallSeconds = took.Seconds()
		e.Result.Finished = time.Now().UTC()
		if err := s.Save(); err != nil {
			return err
		}
		spent += took
		ran++
		left := todo - ran
		fmt.Fprintf(out, "trial %d/%d  %s  %s  %.1fs%s\n", i+1, len(s.Trials), settingsLine(e.Trial, s.Swept),
			resultLine(e.Result), took.Seconds(), eta(left, spent, ran))
	}
	return nil
}

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

// eta is "  (2 left, about 25s)" from the mean time of the trials run.
func eta(left int, spent time.Duration, ran int) string {
	if left == 0 || ran == 0 {
		return ""
	}
	rest := time.Duration(int64(spent) / int64(ran) * int64(left)).Round(time.Second)
	return fmt.Sprintf("  (%d left, about %s)", left, rest)
}
