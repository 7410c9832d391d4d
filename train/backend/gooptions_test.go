package backend

import (
	"runtime"
	"strings"
	"testing"

	"github.com/gomlx/compute/gobackend"
	"github.com/neurona/neurona/models"
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

func TestGoForSmallModelsIsSequential(t *testing.T) {
	for _, tc := range []struct {
		spec models.Spec
		want string
	}{
		{models.Spec{Name: models.Perceptron}, "go:ops_sequential"},
		{models.Spec{Name: models.MLP, Hidden: []int{64}}, "go"},
		{models.Spec{Name: models.MLP, Hidden: []int{}}, "go:ops_sequential"},
		{models.Spec{Name: models.MLP}, "go"},
	} {
		spec, err := tc.spec.Normalize()
		if err != nil {
			t.Fatal(err)
		}
		if got := GoFor(spec); got != tc.want {
			t.Errorf("GoFor(%s) = %q, want %q", spec, got, tc.want)
		}
	}
}

func TestWeights(t *testing.T) {
	for _, tc := range []struct {
		name string
		spec models.Spec
		want int
	}{
		{"the perceptron has one 784x10 matrix", models.Spec{Name: models.Perceptron}, 784 * 10},
		{"the default MLP chains its layers", models.Spec{Name: models.MLP}, 784*512 + 512*512 + 512*10},
		{"an MLP without hidden layers is the perceptron's matrix", models.Spec{Name: models.MLP, Hidden: []int{}}, 784 * 10},
		{"maxout multiplies the hidden matrices by its pieces", models.Spec{Name: models.MLP, Hidden: []int{64}, Activation: "maxout", MaxoutPieces: 3}, 784*64*3 + 64*10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec, err := tc.spec.Normalize()
			if err != nil {
				t.Fatal(err)
			}
			if got := Weights(spec); got != tc.want {
				t.Errorf("Weights(%s) = %d, want %d", spec, got, tc.want)
			}
		})
	}
}
