package train

import (
	"fmt"
	"runtime"
	"strconv"
	"strings"
)

// goOptions are the options GoMLX's Go backend (compute v0.1.2,
// internal/gobackend.New) accepts after "go:", comma-separated.
var goOptions = []string{"parallelism=N", "ops_sequential", "ops_parallel", "dependency_order", "creation_order"}

// deadlockingParallelism reports whether GoMLX's Go backend (compute
// v0.1.2) deadlocks with a worker pool of p on this machine. Found by
// TestGoParallelismDeadlocks, which trains with each candidate in a
// subprocess: with 2 workers and 2 or more cores (GOMAXPROCS) the parallel
// executor holds a worker in workerspool.(*Pool).WaitToStart while the
// matrix multiplication waits for the other in Pool.Saturate, forever;
// 0, 1, 3 and more, -1 (unlimited) and the default (twice the cores) run.
func deadlockingParallelism(p int) bool {
	return p == 2 && runtime.GOMAXPROCS(0) >= 2
}

// checkGoOptions validates the options of a Go backend name ("go",
// "go:parallelism=4,ops_sequential"), so that a bad one is a usage error
// before anything runs and no value known to deadlock is passed on.
func checkGoOptions(name string) error {
	opts, ok := strings.CutPrefix(name, GoBackend)
	if !ok || (opts != "" && opts[0] != ':' && opts[0] != ',') {
		return fmt.Errorf("unknown backend %q (accepted: %s)", name, strings.Join(preference, ", "))
	}
	for _, opt := range strings.Split(opts[min(1, len(opts)):], ",") {
		if opt == "" {
			continue // GoMLX skips empty options too
		}
		key, value, hasValue := strings.Cut(opt, "=")
		switch {
		case key == "parallelism" && hasValue:
			p, err := strconv.Atoi(value)
			if err != nil || p < -1 {
				return fmt.Errorf("backend %q: parallelism=%q: want an integer, -1 (unlimited), 0 or 1 (none) or more workers", name, value)
			}
			if deadlockingParallelism(p) {
				return fmt.Errorf("backend %q: parallelism=2 deadlocks GoMLX's Go backend (compute v0.1.2) on a machine with 2 or more cores "+
					"(here %d); use 1, 3 or more, or -1 (unlimited); the default is %d", name, runtime.GOMAXPROCS(0), 2*runtime.GOMAXPROCS(0))
			}
		case !hasValue && isGoFlagOption(opt):
		default:
			return unknownGoOption(name, opt)
		}
	}
	return nil
}

func isGoFlagOption(opt string) bool {
	for _, o := range goOptions[1:] {
		if o == opt {
			return true
		}
	}
	return false
}

func unknownGoOption(name, opt string) error {
	return fmt.Errorf("backend %q: unknown Go backend option %q (accepted after go:, comma-separated: %s)", name, opt, strings.Join(goOptions, ", "))
}
