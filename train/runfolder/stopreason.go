package runfolder

import (
	"strconv"
	"strings"

	"github.com/neurona/neurona/internal/human"
)

// StopReason is why a run stopped, as a value readers can compare;
// Summary.StoppedBecause keeps the words to show beside it.
type StopReason string

// The reasons a run stops.
const (
	StopEpochs      StopReason = "epochs"      // it trained the epochs it was given
	StopPatience    StopReason = "patience"    // early stopping on the monitored validation metric
	StopTol         StopReason = "tol"         // the training loss stopped improving (the perceptron's rule)
	StopInterrupted StopReason = "interrupted" // a signal; it can be resumed
	StopDiverged    StopReason = "diverged"    // a non-finite loss
	StopAbandoned   StopReason = "abandoned"   // a call that never returned (the watchdog, or a signal)
)

// StopReasons lists every StopReason, for readers that check one read back.
var StopReasons = []string{string(StopEpochs), string(StopPatience), string(StopTol),
	string(StopInterrupted), string(StopDiverged), string(StopAbandoned)}

// Reason returns why the run stopped: StopReason where the summary has one,
// else what its words say in a summary written before StopReason existed
// (the only place those words are read back), else "" (unknown).
func (s *Summary) Reason() StopReason {
	if s.StopReason != "" {
		return s.StopReason
	}
	words := s.StoppedBecause
	switch {
	case words == "interrupted":
		return StopInterrupted
	case strings.HasPrefix(words, oldEpochsPrefix):
		return StopEpochs
	case strings.HasSuffix(words, oldPatienceWords):
		return StopPatience
	case strings.HasSuffix(words, oldTolWords):
		return StopTol
	case strings.HasPrefix(words, "training diverged"):
		return StopDiverged
	}
	return ""
}

// Older words. Versions before the engine stopped naming the command
// line's flags wrote these into summary.json and checkpoints.
const (
	oldEpochsPrefix  = "reached --epochs "
	oldPatienceWords = " (--patience)"
	oldTolWords      = " (--tol, --n-iter-no-change)"
)

// EpochsWords are the words of StopEpochs: "trained the 4 epochs asked
// for".
func EpochsWords(epochs int) string {
	return "trained the " + human.Count(epochs, "epoch") + " asked for"
}

// CurrentWords returns the words of a stop for reason as this version
// writes them: words an older version wrote, which named flags ("reached
// --epochs 3", "... (--patience)"), are rewritten; others are returned as
// they are. With Reason, the only place older words are read.
func CurrentWords(reason StopReason, words string) string {
	switch reason {
	case StopEpochs:
		if n, err := strconv.Atoi(strings.TrimPrefix(words, oldEpochsPrefix)); err == nil && strings.HasPrefix(words, oldEpochsPrefix) {
			return EpochsWords(n)
		}
	case StopPatience:
		return strings.TrimSuffix(words, oldPatienceWords)
	case StopTol:
		return strings.TrimSuffix(words, oldTolWords)
	}
	return words
}
