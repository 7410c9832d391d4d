package bench

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train/backend"
	"github.com/neurona/neurona/train/config"
)

// TestRunTrialsMeasuresEachGroupSizeAgainstOneTrial: one trial is measured
// first whether listed or not, each size once, and every group's steps x
// trials per second is its steps per second times its size, compared with
// one trial's. The perceptron's trials train as one program in f32; in
// bf16 they cannot (train.GroupKey), and train one by one.
func TestRunTrialsMeasuresEachGroupSizeAgainstOneTrial(t *testing.T) {
	m := smallMNIST(t, 1100, 200)
	for _, bf16 := range []bool{false, true} {
		t.Run(fmt.Sprintf("bf16 %v", bf16), func(t *testing.T) {
			bc := Config{Base: config.Defaults(models.Perceptron), Backends: []string{backend.Go}, Batches: []int{50},
				MinSteps: 2, Repeats: 2, DataOnDevice: "off", Trials: []int{3, 2, 3}}
			if bf16 {
				bc.Base.Precision = config.PrecisionBF16
			}
			var seen []int
			results, err := RunTrials(context.Background(), bc, m, func(r TrialResult) { seen = append(seen, r.Trials) })
			if err != nil {
				t.Fatal(err)
			}
			if len(results) != 3 || len(seen) != 3 {
				t.Fatalf("%d results, %d reported; want 3 (1, 3 and 2 trials)", len(results), len(seen))
			}
			for i, want := range []int{1, 3, 2} {
				r := results[i]
				if r.Trials != want || seen[i] != want {
					t.Errorf("result %d: %d trials (reported %d); want %d", i, r.Trials, seen[i], want)
				}
				if r.StepsPerSecond <= 0 || r.TrialStepsPerSecond != r.StepsPerSecond*float64(want) {
					t.Errorf("%d trials: %.1f steps/s, %.1f steps x trials/s; want a speed, times %d", want, r.StepsPerSecond, r.TrialStepsPerSecond, want)
				}
				if one := results[0].TrialStepsPerSecond; r.VsOneTrial != r.TrialStepsPerSecond/one {
					t.Errorf("%d trials: %.2fx one trial; want %.1f/%.1f", want, r.VsOneTrial, r.TrialStepsPerSecond, one)
				}
				if grouped := want > 1 && !bf16; r.Grouped != grouped || (r.NotGroupedBecause != "") != (want > 1 && bf16) {
					t.Errorf("%d trials: grouped %v (not because %q); want grouped %v, and a reason if a group was not", want, r.Grouped, r.NotGroupedBecause, grouped)
				}
			}
			var out bytes.Buffer
			if err := TrialsTable(&out, results); err != nil {
				t.Fatal(err)
			}
			if lines := strings.Split(strings.TrimSpace(out.String()), "\n"); len(lines) != 4 || !strings.Contains(lines[0], "steps x trials/s") {
				t.Errorf("the table has %d lines, want a header and 3 rows:\n%s", len(lines), out.String())
			}
		})
	}
}

func TestRunTrialsRefusesAGroupSizeOutOfRange(t *testing.T) {
	m := smallMNIST(t, 1100, 200)
	for _, k := range []int{0, MaxTrials + 1} {
		bc := Config{Base: config.Defaults(models.Perceptron), Backends: []string{backend.Go}, Batches: []int{50}, Trials: []int{k}}
		if _, err := RunTrials(context.Background(), bc, m, nil); err == nil || !strings.Contains(err.Error(), "want 1 to") {
			t.Errorf("a group of %d trials: %v; want an error saying the range", k, err)
		}
	}
}
