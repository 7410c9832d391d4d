package viz

import (
	"errors"
	"testing"

	"github.com/neurona/neurona/train"
)

func sweepTrials() []SweepTrial {
	f := func(v float64) *float64 { return &v }
	var out []SweepTrial
	for i, s := range []map[string]string{
		{"lr": "1e-4", "hidden": "256", "activation": "relu"},
		{"lr": "1e-3", "hidden": "512,512", "activation": "tanh"},
		{"lr": "1e-2", "hidden": "", "activation": "relu"},
	} {
		var m []train.EpochMetrics
		for e := 1; e <= 3; e++ {
			m = append(m, train.EpochMetrics{Epoch: e, ValAccuracy: f(0.8 + 0.03*float64(e) + 0.01*float64(i))})
		}
		out = append(out, SweepTrial{Name: "trial", Settings: s, Metrics: m, Final: f(0.89 + 0.01*float64(i))})
	}
	return out
}

func TestSweepImage(t *testing.T) {
	tests := []struct {
		name  string
		swept []string
		wantW int
	}{
		{"curves alone", nil, 700},
		{"a log axis, layer lists and words", []string{"lr", "hidden", "activation"}, 700 + 3*420},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img, err := SweepImage(sweepTrials(), tt.swept, 2)
			if err != nil {
				t.Fatal(err)
			}
			if b := img.Bounds(); b.Dx() != tt.wantW || b.Dy() != 520 {
				t.Errorf("%v, want %dx520", b, tt.wantW)
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
