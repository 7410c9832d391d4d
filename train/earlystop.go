package train

import (
	"fmt"

	"github.com/neurona/neurona/internal/human"
)

// Quantities Config.EarlyStopMonitor accepts: what --patience watches.
const (
	MonitorValAccuracy = "val-accuracy" // higher is better
	MonitorValLoss     = "val-loss"     // lower is better
)

// Monitors lists the accepted Config.EarlyStopMonitor values.
var Monitors = []string{MonitorValAccuracy, MonitorValLoss}

// monitor is the quantity early stopping watches: Config.EarlyStopMonitor,
// or the validation accuracy for a configuration saved before it existed.
func (c Config) monitor() string {
	if c.EarlyStopMonitor == "" {
		return MonitorValAccuracy
	}
	return c.EarlyStopMonitor
}

// monitored returns the epoch's value of the quantity early stopping
// watches, and whether the epoch has one (a run without validation has
// none).
func (c Config) monitored(m EpochMetrics) (float64, bool) {
	v := m.ValAccuracy
	if c.monitor() == MonitorValLoss {
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
func (c Config) improves(value float64, best *float64) bool {
	if best == nil {
		return true
	}
	if c.monitor() == MonitorValLoss {
		return value < *best-c.EarlyStopMinDelta
	}
	return value > *best+c.EarlyStopMinDelta
}

// initStopBest gives a run resumed from a checkpoint saved before
// runState.StopBest existed the best it counted from: its best validation
// accuracy. Called before the epochs, while BestVal is still the
// checkpoint's.
func (l *loop) initStopBest() {
	if st := &l.st; st.StopBest == nil && l.cfg.monitor() == MonitorValAccuracy && st.BestVal >= 0 {
		best := st.BestVal
		st.StopBest = &best
	}
}

// applyPatience counts the epochs without an improvement of the monitored
// quantity and stops the run after cfg.Patience of them.
func (l *loop) applyPatience(m EpochMetrics) {
	cfg, st := l.cfg, &l.st
	value, ok := cfg.monitored(m)
	if !ok {
		return
	}
	if cfg.improves(value, st.StopBest) {
		st.StopBest, st.NoBetter = &value, 0
	} else {
		st.NoBetter++
	}
	if cfg.Patience > 0 && st.NoBetter >= cfg.Patience {
		what := "validation accuracy"
		if cfg.monitor() == MonitorValLoss {
			what = "validation loss"
		}
		by := ""
		if cfg.EarlyStopMinDelta > 0 {
			by = fmt.Sprintf(" by more than %g", cfg.EarlyStopMinDelta)
		}
		st.Done, st.Stop, st.StoppedBecause = true, StopPatience, fmt.Sprintf("%s did not improve%s for %s (--patience)", what, by, human.Count(cfg.Patience, "epoch"))
	}
}
