package cli

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/neurona/neurona/train/bench"
)

// TestBenchTrials: --trials 2 times one trial and a group of two, in a
// table of their own and in the JSON report; without it, bench prints no
// such table.
func TestBenchTrials(t *testing.T) {
	dataDir := fakeMNISTOfSize(t, 300, 100)
	for _, tc := range []struct {
		name   string
		trials []string
		want   []int // group sizes measured
	}{
		{"without --trials no group is timed", nil, nil},
		{"--trials 2 times one trial and two", []string{"--trials", "2"}, []int{1, 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			jsonPath := filepath.Join(t.TempDir(), "b.json")
			var stdout, stderr bytes.Buffer
			code := Main(append([]string{"bench", "--data-dir", dataDir, "--model", "perceptron", "--backends", "go", "--batch-size", "16",
				"--min-steps", "3", "--min-seconds", "0.02", "--warmup-seconds", "0", "--repeats", "1", "--json-out", jsonPath}, tc.trials...), &stdout, &stderr)
			if code != 0 {
				t.Fatalf("exit %d\n%s\n%s", code, stdout.String(), stderr.String())
			}
			rep, err := bench.ReadJSON(jsonPath)
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Trials) != len(tc.want) {
				t.Fatalf("%d group sizes in the report, want %v", len(rep.Trials), tc.want)
			}
			if has := strings.Contains(stdout.String(), "steps x trials/s"); has != (tc.want != nil) {
				t.Errorf("the trials' table printed: %v, want %v:\n%s", has, tc.want != nil, stdout.String())
			}
			for i, k := range tc.want {
				r := rep.Trials[i]
				if r.Trials != k || r.TrialStepsPerSecond <= 0 || r.Backend == "" || r.Batch != 16 {
					t.Errorf("group %d of the report: %+v; want %d trials of batch 16 measured", i, r, k)
				}
			}
		})
	}
}

func TestBenchTrialsBadFlags(t *testing.T) {
	for _, tc := range []struct {
		name, value, want string
	}{
		{"a size that is not a number is refused", "1,x", `"x" is not a group size`},
		{"a group of none is refused", "0", `"0" is not a group size`},
		{"a group larger than allowed is refused", "100000", "want sizes of 1 to"},
		{"a size given twice is refused", "8,8", "8 is given twice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := cliRun("bench", "--trials", tc.value)
			if code != ExitUsage || stdout != "" || strings.Count(strings.TrimSpace(stderr), "\n") != 0 || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit %d and one line with %q", code, stdout, stderr, ExitUsage, tc.want)
			}
		})
	}
}
