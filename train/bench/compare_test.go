package bench

import (
	"bytes"
	"strings"
	"testing"
)

func TestCompareFlagsChangesBeyondTheSpread(t *testing.T) {
	result := func(batch int, stepsPerSec, spread float64) Result {
		return Result{Backend: "go", Model: "mlp", Batch: batch, StepsPerSecond: stepsPerSec, Spread: spread}
	}
	old := Report{Results: []Result{result(32, 100, 0.05), result(128, 100, 0.05), result(1024, 10, 0.01)}}
	cur := Report{Results: []Result{result(32, 103, 0.04), result(128, 120, 0.04), result(1024, 9, 0.01)}}
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
