package backend

import (
	"runtime"
	"strings"
	"testing"

	"github.com/gomlx/compute/gobackend"
)

func TestGoBackendOptionsAreChecked(t *testing.T) {
	for _, tc := range []struct {
		name, wantErr string
	}{
		{"go", ""},
		{"go:ops_sequential", ""},
		{"go,ops_sequential", ""},
		{"go:parallelism=4,ops_parallel,dependency_order", ""},
		{"go:creation_order", ""},
		{"go:parallelism=0", ""},
		{"go:parallelism=1", ""},
		{"go:parallelism=3", ""},
		{"go:parallelism=-1", ""},
		{"go:bogus_option", `unknown Go backend option "bogus_option" (accepted after go:, comma-separated: parallelism=N, ops_sequential, ops_parallel, dependency_order, creation_order)`},
		{"go:ops_sequential,bogus=1", `unknown Go backend option "bogus=1"`},
		{"go:parallelism", `unknown Go backend option "parallelism"`},
		{"go:ops_sequential=1", `unknown Go backend option "ops_sequential=1"`},
		{"go:parallelism=x", `parallelism="x": want an integer`},
		{"go:parallelism=-2", `parallelism="-2": want an integer`},
	} {
		_, err := Choose(tc.name)
		if tc.wantErr == "" {
			if err != nil {
				t.Errorf("Choose(%q) = %v, want accepted", tc.name, err)
				continue
			}
			// What neurona accepts, GoMLX accepts.
			b, err := gobackend.New(strings.TrimLeft(strings.TrimPrefix(tc.name, "go"), ":"))
			if err != nil {
				t.Errorf("GoMLX refuses %q that neurona accepts: %v", tc.name, err)
			} else {
				b.Finalize()
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.wantErr) || strings.Contains(err.Error(), "\n") {
			t.Errorf("Choose(%q) = %v, want one line with %q", tc.name, err, tc.wantErr)
		}
	}
	_, err := Choose("go:parallelism=2")
	if want := runtime.GOMAXPROCS(0) >= 2; (err != nil) != want || (want && !strings.Contains(err.Error(), "deadlocks GoMLX's Go backend")) {
		t.Errorf("go:parallelism=2 with %d cores: %v", runtime.GOMAXPROCS(0), err)
	}
}

// Under 20,000 multiply-adds per example a model's operations run one at a
// time; from there on in parallel.
func TestGoForSmallModelsIsSequential(t *testing.T) {
	for _, tc := range []struct {
		name         string
		multiplyAdds float64
		want         string
	}{
		{"the perceptron (784x10) runs sequentially", 784 * 10, "go:ops_sequential"},
		{"just under the threshold runs sequentially", smallModelWeights - 1, "go:ops_sequential"},
		{"the threshold runs in parallel", smallModelWeights, "go"},
		{"a 784-64-10 MLP runs in parallel", 784*64 + 64*10, "go"},
		{"the default MLP runs in parallel", 784*512 + 512*512 + 512*10, "go"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := GoFor(tc.multiplyAdds); got != tc.want {
				t.Errorf("GoFor(%v) = %q, want %q", tc.multiplyAdds, got, tc.want)
			}
		})
	}
}
