package benchout

import (
	"bytes"
	"strings"
	"testing"

	"github.com/neurona/neurona/train"
)

func TestCompareFlagsChangesBeyondTheSpread(t *testing.T) {
	result := func(batch int, stepsPerSec, spread float64) train.BenchResult {
		return train.BenchResult{Backend: "go", Model: "mlp", Batch: batch, StepsPerSecond: stepsPerSec, Spread: spread}
	}
	old := Report{Results: []train.BenchResult{result(32, 100, 0.05), result(128, 100, 0.05), result(1024, 10, 0.01)}}
	cur := Report{Results: []train.BenchResult{result(32, 103, 0.04), result(128, 120, 0.04), result(1024, 9, 0.01)}}
	var out bytes.Buffer
	if err := Compare(&out, old, cur); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(out.String(), "\n")
	for _, tc := range []struct {
		batch   string
		change  string
		flagged bool
	}{{"32", "+3.0%", false}, {"128", "+20.0%", true}, {"1024", "-10.0%", true}} {
		var line string
		for _, l := range lines {
			if f := strings.Fields(l); len(f) > 3 && f[2] == tc.batch {
				line = l
			}
		}
		if !strings.Contains(line, tc.change) || strings.HasSuffix(strings.TrimSpace(line), "!") != tc.flagged {
			t.Errorf("batch %s: line %q, want change %s flagged=%v", tc.batch, line, tc.change, tc.flagged)
		}
	}
	if err := Compare(&out, old, Report{}); err == nil {
		t.Error("reports with nothing in common compared without an error")
	}
}

func TestRowFormatsTimeToTarget(t *testing.T) {
	r := train.BenchResult{Backend: "go", Batch: 128, TargetAccuracy: 0.98, TargetReached: true, TimeToTargetSec: 20.94, EpochsToTarget: 4}
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
