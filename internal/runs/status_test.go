package runs

import (
	"testing"

	"github.com/neurona/neurona/train/runfolder"
)

func TestStatus(t *testing.T) {
	acc := 0.9
	for _, tc := range []struct {
		name     string
		summary  *runfolder.Summary
		training bool
		want     string
	}{
		{"no summary, nobody training", nil, false, Crashed},
		{"no summary, a process training", nil, true, Training},
		{"resumed after it finished", &runfolder.Summary{TestAccuracy: &acc, StoppedBecause: "reached --epochs 2"}, true, Training},
		{"all its epochs, tested", &runfolder.Summary{TestAccuracy: &acc, StoppedBecause: "reached --epochs 2"}, false, Finished},
		{"a stopping rule, tested", &runfolder.Summary{TestAccuracy: &acc, StoppedBecause: "validation accuracy did not improve for 2 epochs (--patience)"}, false, StoppedEarly},
		{"a signal", &runfolder.Summary{StoppedBecause: "interrupted"}, false, Interrupted},
		{"an error, untested", &runfolder.Summary{StoppedBecause: "diverged: the training loss is NaN"}, false, Failed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Status(tc.summary, tc.training); got != tc.want {
				t.Errorf("Status = %q, want %q", got, tc.want)
			}
		})
	}
}
