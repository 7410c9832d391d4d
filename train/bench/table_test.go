package bench

import "testing"

func TestRowFormatsTimeToTarget(t *testing.T) {
	r := Result{Backend: "go", Batch: 128, TargetAccuracy: 0.98, TargetReached: true, TimeToTargetSec: 20.94, EpochsToTarget: 4}
	if got := Row(r)[len(Header)-1]; got != "20.9s (4 ep)" {
		t.Errorf("time to target cell %q", got)
	}
	r.TargetReached, r.FinalTestAccuracy = false, 0.9712
	if got := Row(r)[len(Header)-1]; got != "not reached (0.9712)" {
		t.Errorf("time to target cell %q", got)
	}
	if len(Row(r)) != len(Header) {
		t.Errorf("%d cells for %d columns", len(Row(r)), len(Header))
	}
}
