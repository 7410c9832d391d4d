package runfolder

import "testing"

// Reason answers from StopReason, and from the words of a summary written
// before StopReason existed; the words are never read where a reason is.
func TestSummaryReason(t *testing.T) {
	for _, tc := range []struct {
		name   string
		reason StopReason
		words  string
		want   StopReason
	}{
		{"a reason is taken as it is", StopPatience, "reached --epochs 3", StopPatience},
		{"old words: the epochs given", "", "reached --epochs 3", StopEpochs},
		{"old words: an interrupt", "", "interrupted", StopInterrupted},
		{"old words: early stopping", "", "validation accuracy did not improve for 2 epochs (--patience)", StopPatience},
		{"old words: the perceptron's rule", "", "training loss did not improve by 0.001 for 5 epochs (--tol, --n-iter-no-change)", StopTol},
		{"old words: divergence", "", "training diverged at step 12 (training loss NaN)", StopDiverged},
		{"words of no reason", "", "something else", ""},
		{"no words", "", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := Summary{StopReason: tc.reason, StoppedBecause: tc.words}
			if got := s.Reason(); got != tc.want {
				t.Errorf("Reason() = %q, want %q", got, tc.want)
			}
		})
	}
}

// CurrentWords rewrites the words older versions wrote, which named flags,
// and keeps every other word as it is.
func TestCurrentWordsNameNoFlag(t *testing.T) {
	for _, tc := range []struct {
		name   string
		reason StopReason
		words  string
		want   string
	}{
		{"old words: the epochs given", StopEpochs, "reached --epochs 3", "trained the 3 epochs asked for"},
		{"old words: one epoch", StopEpochs, "reached --epochs 1", "trained the 1 epoch asked for"},
		{"old words: early stopping", StopPatience, "validation accuracy did not improve for 2 epochs (--patience)", "validation accuracy did not improve for 2 epochs"},
		{"old words: the perceptron's rule", StopTol, "training loss did not improve by 0.001 for 5 epochs (--tol, --n-iter-no-change)", "training loss did not improve by 0.001 for 5 epochs"},
		{"new words are kept", StopEpochs, "trained the 4 epochs asked for", "trained the 4 epochs asked for"},
		{"a divergence is kept", StopDiverged, "training diverged at step 12 (loss NaN)", "training diverged at step 12 (loss NaN)"},
		{"words without a reason are kept", "", "reached --epochs 3", "reached --epochs 3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := CurrentWords(tc.reason, tc.words); got != tc.want {
				t.Errorf("CurrentWords(%q, %q) = %q, want %q", tc.reason, tc.words, got, tc.want)
			}
		})
	}
}
