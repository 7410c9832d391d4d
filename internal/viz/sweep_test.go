package viz

import (
	"errors"
	"slices"
	"strconv"
	"testing"

	"github.com/neurona/neurona/train/runfolder"
)

func sweepTrials() []SweepTrial {
	f := func(v float64) *float64 { return &v }
	var out []SweepTrial
	for i, s := range []map[string]string{
		{"lr": "1e-4", "hidden": "256", "activation": "relu"},
		{"lr": "1e-3", "hidden": "512,512", "activation": "tanh"},
		{"lr": "1e-2", "hidden": "", "activation": "relu"},
	} {
		var m []runfolder.EpochMetrics
		for e := 1; e <= 3; e++ {
			m = append(m, runfolder.EpochMetrics{Epoch: e, ValAccuracy: f(0.8 + 0.03*float64(e) + 0.01*float64(i))})
		}
		out = append(out, SweepTrial{Name: "trial", Settings: s, Metrics: m, Final: f(0.89 + 0.01*float64(i))})
	}
	return out
}

func TestSweepImage(t *testing.T) {
	all := []string{"lr", "hidden", "activation", "batch-size", "epochs", "momentum"}
	tests := []struct {
		name       string
		swept      []string
		wantW, wan int
	}{
		{"curves alone", nil, 700, 440},
		{"one setting: curves and its panel side by side", all[:1], 1120, 440},
		{"a log axis, layer lists and words: a grid of two rows", all[:3], 1680, 880},
		{"six settings: three rows of three, not a strip", all, 1680, 1320},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			trials := sweepTrials()
			for i := range trials {
				trials[i].Settings["batch-size"] = []string{"32", "64", "128"}[i]
				trials[i].Settings["epochs"] = "3"
				trials[i].Settings["momentum"] = []string{"0", "0.5", "0.9"}[i]
			}
			img, err := SweepImage(trials, tt.swept, 2)
			if err != nil {
				t.Fatal(err)
			}
			b := img.Bounds()
			if b.Dx() != tt.wantW || b.Dy() != tt.wan {
				t.Errorf("%v, want %dx%d", b, tt.wantW, tt.wan)
			}
			// Readable at its natural size: no wider than a screen, each
			// panel wide enough for its labels.
			panels := 1 + len(tt.swept)
			if b.Dx() > 1800 || b.Dx()/min(panels, sweepColumns) < 500 {
				t.Errorf("%d panels in %v: too wide, or panels under 500 pixels", panels, b)
			}
		})
	}
	if _, err := SweepImage([]SweepTrial{{Name: "x"}}, []string{"lr"}, 0); !errors.Is(err, ErrNoTrials) {
		t.Errorf("no metrics: %v", err)
	}
	one := sweepTrials()[:1]
	if _, err := SweepImage(one, []string{"lr"}, 0); err != nil {
		t.Errorf("one trial: %v", err)
	}
}

// TestSweepPanelAxes checks that a panel's axes hold every marker with room
// to spare (none half cut off at an edge) and that equal accuracies do not
// stretch the accuracy axis to [0, 2].
func TestSweepPanelAxes(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	for _, tc := range []struct {
		name   string
		values []string
		finals []float64
	}{
		{"a linear axis", []string{"0.1", "0.5", "1"}, []float64{0.91, 0.92, 0.93}},
		{"a log axis", []string{"1e-4", "1e-3", "1e-2"}, []float64{0.9, 0.95, 0.97}},
		{"equal accuracies", []string{"0.1", "0.5", "1"}, []float64{0.9122, 0.9122, 0.9122}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var trials []SweepTrial
			for i, v := range tc.values {
				trials = append(trials, SweepTrial{Name: v, Settings: map[string]string{"lr": v}, Final: f(tc.finals[i])})
			}
			p, err := sweepPanel(trials, "lr", 0)
			if err != nil {
				t.Fatal(err)
			}
			lo, _ := strconv.ParseFloat(tc.values[0], 64)
			hi, _ := strconv.ParseFloat(tc.values[len(tc.values)-1], 64)
			if !(p.X.Min < lo && p.X.Max > hi) {
				t.Errorf("x axis [%g, %g] does not hold [%g, %g] with a margin", p.X.Min, p.X.Max, lo, hi)
			}
			yLo, yHi := slices.Min(tc.finals), slices.Max(tc.finals)
			if !(p.Y.Min < yLo && p.Y.Max > yHi) || p.Y.Max-p.Y.Min > 0.2 {
				t.Errorf("accuracy axis [%g, %g] for accuracies in [%g, %g]", p.Y.Min, p.Y.Max, yLo, yHi)
			}
			ticks := p.X.Tick.Marker.Ticks(p.X.Min, p.X.Max)
			var labels []string
			for _, tk := range ticks {
				if tk.Label != "" {
					labels = append(labels, tk.Label)
				}
			}
			if !slices.Equal(labels, tc.values) {
				t.Errorf("x ticks %q, want the values swept %q", labels, tc.values)
			}
		})
	}
}
