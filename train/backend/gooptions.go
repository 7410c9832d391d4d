package backend

import (
	"fmt"
	"runtime"
	"strconv"
	"strings"

	"github.com/gomlx/compute"
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
	opts, ok := strings.CutPrefix(name, Go)
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

// smallModelWeights is the size under which the Go backend runs a model's
// operations one after the other ("ops_sequential") instead of in parallel:
// its ops are then too small to repay the scheduling. The perceptron (7,840
// multiply-adds per example) trains faster sequentially, a 784-64-10 MLP
// (50,816) and the default MLP slower; docs/performance.md ("The
// perceptron") has the measurements.
const smallModelWeights = 20_000

// GoFor returns the Go backend configuration neurona uses for a model of
// multiplyAdds per example's forward pass (models.Size.MultiplyAdds: one
// per weight of a dense layer, what a forward pass costs) when the plain Go
// backend was chosen, not when options were given: "go:ops_sequential" for
// a model under 20,000, "go" for the others.
//
// It takes the count, not the model: this package runs graphs and knows no
// model kind (what a model costs is the model's to say), so that a new
// kind needs nothing here.
func GoFor(multiplyAdds float64) string {
	if multiplyAdds < smallModelWeights {
		return Go + ":ops_sequential"
	}
	return Go
}

// Summary says what the backend named name (as New returns it) is, for a
// log line: the name and, for the Go backend, how it runs operations and
// on how many cores. GoMLX's own description of the Go backend gives the
// worker pool's limit ("parallelism=4" on 2 cores: twice GOMAXPROCS, of
// which it uses GOMAXPROCS), whatever the mode, so it is not repeated.
func Summary(name string, b compute.Backend) string {
	if !IsGo(name) {
		return name + ": " + b.Description()
	}
	mode := "operations in parallel"
	cores := runtime.GOMAXPROCS(0)
	for _, opt := range strings.Split(strings.TrimPrefix(strings.TrimPrefix(name, Go), ":"), ",") {
		key, value, _ := strings.Cut(opt, "=")
		switch key {
		case "ops_sequential":
			mode = "operations one at a time"
		case "parallelism":
			if p, err := strconv.Atoi(value); err == nil && p >= 0 {
				cores = min(max(p, 1), cores)
			}
		}
	}
	return fmt.Sprintf("%s: GoMLX's pure-Go backend (CPU), %s, on %s", name, mode, coresText(cores))
}

func coresText(n int) string {
	if n == 1 {
		return "1 core"
	}
	return fmt.Sprintf("%d cores", n)
}
