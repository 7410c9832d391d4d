package cli_test

import (
	"runtime"
	"strings"
	"testing"

	"github.com/neurona/neurona/internal/cli"
)

// TestMainRejectsBadGoBackendOptions: an option GoMLX's Go backend does not
// know, or a worker pool that deadlocks it, is a usage error of one line
// that lists what is accepted, before anything runs.
func TestMainRejectsBadGoBackendOptions(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"train with an unknown option", []string{"train", "--backend", "go:bogus_option"},
			[]string{`"bogus_option"`, "accepted after go:, comma-separated: parallelism=N, ops_sequential, ops_parallel, dependency_order, creation_order"}},
		{"bench with an unknown option", []string{"bench", "--backends", "go,go:fast"},
			[]string{`"fast"`, "parallelism=N, ops_sequential"}},
		{"a parallelism that is not a number", []string{"train", "--backend", "go:parallelism=many"}, []string{`"many"`, "want an integer"}},
	}
	if runtime.GOMAXPROCS(0) >= 2 {
		tests = append(tests,
			struct {
				name string
				args []string
				want []string
			}{"bench with the worker pool that deadlocks", []string{"bench", "--backends", "go:parallelism=2", "--batch-size", "128"},
				[]string{"parallelism=2 deadlocks GoMLX's Go backend (compute v0.1.2)", "use 1, 3 or more, or -1"}},
			struct {
				name string
				args []string
				want []string
			}{"train with the worker pool that deadlocks", []string{"train", "--backend", "go:parallelism=2"},
				[]string{"parallelism=2 deadlocks", "the default is"}})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := run(tt.args...)
			if code != cli.ExitUsage {
				t.Errorf("exit code %d, want %d; stderr %q", code, cli.ExitUsage, stderr)
			}
			if lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n"); len(lines) != 1 {
				t.Fatalf("stderr is %d lines, want exactly one:\n%s", len(lines), stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr %q does not mention %q", stderr, w)
				}
			}
			if stackText.MatchString(stderr) || stackText.MatchString(stdout) {
				t.Errorf("output carries stack text:\nstdout: %s\nstderr: %s", stdout, stderr)
			}
		})
	}
}
