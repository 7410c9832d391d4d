package train

import (
	"fmt"
	"strings"
	"testing"

	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train/config"
	"github.com/neurona/neurona/train/runfolder"
)

// TestEarlyStoppingMonitorAndMinDelta feeds the stopping rules a run's
// validation metrics epoch by epoch and checks the epoch --patience stops
// it at (0: it runs to the end).
func TestEarlyStoppingMonitorAndMinDelta(t *testing.T) {
	for _, tc := range []struct {
		name       string
		monitor    string
		minDelta   float64
		patience   int
		acc, loss  []float64
		stopsAt    int
		reasonSays string
	}{
		{"the accuracy not improving for 2 epochs stops the run", config.MonitorValAccuracy, 0, 2,
			[]float64{0.90, 0.91, 0.91, 0.905}, []float64{0.5, 0.4, 0.3, 0.2}, 4, "validation accuracy did not improve for 2 epochs"},
		{"an old configuration without a monitor watches the accuracy", "", 0, 2,
			[]float64{0.90, 0.91, 0.91, 0.905}, []float64{0.5, 0.4, 0.3, 0.2}, 4, "validation accuracy"},
		{"accuracy gains under min-delta count as none", config.MonitorValAccuracy, 0.01, 2,
			[]float64{0.90, 0.905, 0.909, 0.95}, []float64{0.5, 0.4, 0.3, 0.2}, 3, "by more than 0.01"},
		{"the best moves only on an improvement larger than min-delta", config.MonitorValAccuracy, 0.01, 3,
			[]float64{0.90, 0.908, 0.916, 0.924}, []float64{0.5, 0.4, 0.3, 0.2}, 0, ""},
		{"the loss falling again resets the count", config.MonitorValLoss, 0, 2,
			[]float64{0.8, 0.8, 0.8, 0.8}, []float64{0.5, 0.4, 0.41, 0.39, 0.42}, 0, ""},
		{"the loss rising stops the run while the accuracy still improves", config.MonitorValLoss, 0, 2,
			[]float64{0.90, 0.91, 0.92}, []float64{0.3, 0.31, 0.32}, 3, "validation loss did not improve for 2 epochs"},
		{"loss gains under min-delta count as none", config.MonitorValLoss, 0.05, 2,
			[]float64{0.9, 0.9, 0.9, 0.9}, []float64{0.5, 0.46, 0.44, 0.40, 0.41}, 5, "validation loss did not improve by more than 0.05"},
		{"patience 0 never stops", config.MonitorValLoss, 0, 0,
			[]float64{0.9, 0.8, 0.7}, []float64{0.3, 0.4, 0.5}, 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := config.Defaults(models.MLP)
			cfg.Patience, cfg.EarlyStopMonitor, cfg.EarlyStopMinDelta = tc.patience, tc.monitor, tc.minDelta
			if err := cfg.Validate(); err != nil {
				t.Fatal(err)
			}
			l := &loop{cfg: cfg, st: runState{BestVal: -1}}
			l.initStopBest()
			stopped := 0
			for e := range max(len(tc.acc), len(tc.loss)) {
				acc, loss := tc.acc[min(e, len(tc.acc)-1)], tc.loss[min(e, len(tc.loss)-1)]
				l.st.Epoch = e + 1
				l.applyStoppingRules(runfolder.EpochMetrics{Epoch: e + 1, ValAccuracy: &acc, ValLoss: &loss})
				if l.st.Done {
					stopped = e + 1
					break
				}
			}
			if stopped != tc.stopsAt {
				t.Fatalf("stopped at epoch %d (%q), want %d", stopped, l.st.StoppedBecause, tc.stopsAt)
			}
			if !strings.Contains(l.st.StoppedBecause, tc.reasonSays) {
				t.Errorf("stopped because %q, want it to say %q", l.st.StoppedBecause, tc.reasonSays)
			}
			if want := map[bool]runfolder.StopReason{true: runfolder.StopPatience, false: ""}[tc.stopsAt > 0]; l.st.Stop != want {
				t.Errorf("stop reason %q, want %q", l.st.Stop, want)
			}
		})
	}
}

func TestEarlyStoppingConfigIsValidated(t *testing.T) {
	for _, tc := range []struct {
		monitor  string
		minDelta float64
		want     string
	}{
		{"val-acc", 0, `early-stop-monitor "val-acc": accepted: val-accuracy, val-loss`},
		{config.MonitorValLoss, -0.1, "early-stop-min-delta -0.1: must be a number >= 0"},
		{config.MonitorValLoss, 0.1, ""},
	} {
		t.Run(fmt.Sprintf("monitor %s, min-delta %g", tc.monitor, tc.minDelta), func(t *testing.T) {
			cfg := config.Defaults(models.MLP)
			cfg.EarlyStopMonitor, cfg.EarlyStopMinDelta = tc.monitor, tc.minDelta
			err := cfg.Validate()
			if got := fmt.Sprint(err); tc.want == "" && err != nil || tc.want != "" && !strings.HasSuffix(got, tc.want) {
				t.Errorf("Validate: %v, want %q", err, tc.want)
			}
		})
	}
}
