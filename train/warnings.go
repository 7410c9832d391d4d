package train

import "fmt"

// MetricsRepair is a problem with a resumed run's metrics.jsonl that the
// run worked around, reported as a Warned event: a damaged line skipped,
// an epoch's line restored from a checkpoint, or an epoch's line lost.
type MetricsRepair struct {
	Path string // metrics.jsonl
	// Damaged describes a damaged line skipped ("FILE:LINE: damaged line
	// skipped (why)"); the fields below are then unset.
	Damaged string
	Epoch   int    // the epoch whose line was restored or lost
	From    string // the checkpoint folder its line came from; "" for the checkpoint resumed
	Lost    bool   // no checkpoint held its metrics
}

func (w *MetricsRepair) Error() string {
	switch {
	case w.Damaged != "":
		return w.Damaged
	case w.Lost:
		return fmt.Sprintf("%s: epoch %d has no line and no checkpoint holds its metrics; its curves point is lost", w.Path, w.Epoch)
	case w.From == "":
		return fmt.Sprintf("%s: epoch %d's line restored from the checkpoint resumed", w.Path, w.Epoch)
	}
	return fmt.Sprintf("%s: epoch %d's line restored from %s (its timings are unknown)", w.Path, w.Epoch, w.From)
}
