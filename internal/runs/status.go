package runs

import (
	"io/fs"
	"time"

	"github.com/neurona/neurona/train/runfolder"
)

// Statuses of a run: `neurona runs list`, `neurona serve` and their JSON
// say the same words for the same state.
const (
	Training     = "training"      // a neurona process trains it now
	Finished     = "finished"      // trained for its --epochs and tested
	StoppedEarly = "stopped early" // a stopping rule ended it, and it was tested
	Interrupted  = "interrupted"   // stopped by a signal: resumable
	Failed       = "failed"        // it ended with an error (e.g. it diverged)
	Crashed      = "crashed"       // no summary.json and nobody training it: killed, or crashed
	Damaged      = "damaged"       // its summary.json cannot be read, or holds values no run writes
)

// RecentWrite is how recent a run's last write must be for Training to
// count as being trained where locks cannot be seen (HeldLocks nil).
const RecentWrite = 10 * time.Minute

// Status names a run's state from its summary.json (nil: it has none)
// and whether a process trains it now (BeingTrained).
func Status(s *runfolder.Summary, training bool) string {
	switch {
	case training:
		return Training
	case s == nil:
		return Crashed
	case s.Reason() == runfolder.StopInterrupted:
		return Interrupted
	case s.TestAccuracy == nil:
		return Failed
	case s.Reason() == runfolder.StopEpochs:
		return Finished
	}
	return StoppedEarly
}

// BeingTrained decides whether a run is being trained now: a process holds
// its lock file (lock; nil if it has none) and, if it has a summary.json
// (written at summaryTime), the run wrote after it, since a run resumed
// after it finished keeps its old summary until it ends again. locks is
// HeldLocks' snapshot; where that is nil (not Linux), a run without a
// summary whose last write (lastWrite: to metrics.jsonl or checkpoints/)
// is under RecentWrite old counts as being trained.
func BeingTrained(locks Locks, lock fs.FileInfo, hasSummary bool, summaryTime, lastWrite time.Time) bool {
	if locks != nil {
		return locks.Holds(lock) && (!hasSummary || lastWrite.After(summaryTime))
	}
	return !hasSummary && time.Since(lastWrite) < RecentWrite
}

// Stat reads a file of a run folder by name, as os.Lstat would: a run
// folder on disk, or one a server reads through its os.Root.
type Stat func(name string) (fs.FileInfo, error)

// BeingTrainedNow is BeingTrained for a run folder whose files stat reads:
// its .lock, and the times of its summary.json (if hasSummary),
// metrics.jsonl and checkpoints/.
func BeingTrainedNow(locks Locks, stat Stat, hasSummary bool) bool {
	modTime := func(name string) time.Time {
		if fi, err := stat(name); err == nil {
			return fi.ModTime()
		}
		return time.Time{}
	}
	var summaryTime time.Time
	if hasSummary {
		summaryTime = modTime(runfolder.SummaryFile)
	}
	lastWrite := modTime("metrics.jsonl")
	if t := modTime("checkpoints"); t.After(lastWrite) {
		lastWrite = t
	}
	lock, err := stat(".lock")
	if err != nil {
		lock = nil
	}
	return BeingTrained(locks, lock, hasSummary, summaryTime, lastWrite)
}
