package train

import (
	"fmt"

	"github.com/neurona/neurona/internal/human"
	"github.com/neurona/neurona/train/config"
	"github.com/neurona/neurona/train/runfolder"
)

// monitored returns the epoch's value of the quantity early stopping
// watches, and whether the epoch has one (a run without validation has
// none).
func monitored(c config.Config, m runfolder.EpochMetrics) (float64, bool) {
	v := m.ValAccuracy
	if c.Monitor() == config.MonitorValLoss {
		v = m.ValLoss
	}
	if v == nil {
		return 0, false
	}
	return *v, true
}

// improves reports whether value improves on best by more than
// Config.EarlyStopMinDelta, in the direction of the monitored quantity
// (Keras's EarlyStopping and Lightning's rule: an improvement smaller than
// min-delta counts as none, and best moves only on an improvement).
func improves(c config.Config, value float64, best *float64) bool {
	if best == nil {
		return true
	}
	if c.Monitor() == config.MonitorValLoss {
		return value < *best-c.EarlyStopMinDelta
	}
	return value > *best+c.EarlyStopMinDelta
}

// initStopBest gives a run resumed from a checkpoint saved before
// runState.StopBest existed the best it counted from: its best validation
// accuracy. Called before the epochs, while BestVal is still the
// checkpoint's.
func (l *loop) initStopBest() {
	if st := &l.st; st.StopBest == nil && l.cfg.Monitor() == config.MonitorValAccuracy && st.BestVal >= 0 {
		best := st.BestVal
		st.StopBest = &best
	}
}

// applyPatience counts the epochs without an improvement of the monitored
// quantity and stops the run after cfg.Patience of them.
func (l *loop) applyPatience(m runfolder.EpochMetrics) {
	cfg, st := l.cfg, &l.st
	value, ok := monitored(cfg, m)
	if !ok {
		return
	}
	if improves(cfg, value, st.StopBest) {
		st.StopBest, st.NoBetter = &value, 0
	} else {
		st.NoBetter++
	}
	if cfg.Patience > 0 && st.NoBetter >= cfg.Patience {
		what := "validation accuracy"
		if cfg.Monitor() == config.MonitorValLoss {
			what = "validation loss"
		}
		by := ""
		if cfg.EarlyStopMinDelta > 0 {
			by = fmt.Sprintf(" by more than %g", cfg.EarlyStopMinDelta)
		}
		st.Done, st.Stop, st.StoppedBecause = true, runfolder.StopPatience, fmt.Sprintf("%s did not improve%s for %s", what, by, human.Count(cfg.Patience, "epoch"))
	}
}
