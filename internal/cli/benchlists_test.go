package cli

import (
	"strings"
	"testing"
)

// TestBenchListsBadValues: bench's comma-separated lists refuse a bad
// value in one short line, exit 2, without echoing an argument of any
// length, and refuse a value given twice as --trials does.
func TestBenchListsBadValues(t *testing.T) {
	long := strings.Repeat("x", 5000)
	// A short bench on small data, should a value be accepted.
	quick := []string{"bench", "--backends", "go", "--model", "perceptron", "--data-dir", fakeMNISTOfSize(t, 100, 20),
		"--min-steps", "1", "--min-seconds", "0.01", "--warmup-seconds", "0", "--repeats", "1"}
	for _, tc := range []struct {
		name, flag, value, want string
	}{
		{"a --batch-size of 5000 bytes is refused without echoing it", "--batch-size", long, "is not a batch size"},
		{"a batch size given twice is refused", "--batch-size", "32,32", "32 is given twice"},
		{"a --seeds of 5000 bytes is refused without echoing it", "--seeds", long, "is not a seed"},
		{"a seed given twice is refused", "--seeds", "1,1", "seed 1 is given twice"},
		{"a negative seed is refused", "--seeds", "-1", `"-1" is not a seed`},
		{"more seeds than allowed are refused", "--seeds", strings.Repeat("1,", maxSeeds) + "1", "seeds (want 1 to"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := cliRun(append(quick, tc.flag, tc.value)...)
			if code != ExitUsage || stdout != "" || strings.Count(strings.TrimSpace(stderr), "\n") != 0 || !strings.Contains(stderr, tc.want) {
				t.Errorf("%s: exit %d, stdout %q, stderr %q; want exit %d and one line with %q", tc.flag, code, stdout, shortened(stderr), ExitUsage, tc.want)
			}
			if len(stderr) > 600 {
				t.Errorf("%s: the error echoes %d bytes of the argument", tc.flag, len(stderr))
			}
		})
	}
}

// shortened is s cut for a failure message.
func shortened(s string) string {
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}
