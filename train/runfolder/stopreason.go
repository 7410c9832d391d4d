package runfolder

import "strings"

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
	case strings.HasPrefix(words, "reached --epochs"):
		return StopEpochs
	case strings.HasSuffix(words, "(--patience)"):
		return StopPatience
	case strings.HasSuffix(words, "(--tol, --n-iter-no-change)"):
		return StopTol
	case strings.HasPrefix(words, "training diverged"):
		return StopDiverged
	}
	return ""
}
