package viz

import (
	"strings"
	"testing"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/neurona/neurona/internal/xlatest"
)

// TestActivationProgramsBuildForXLA builds the program of each activation
// picture (y and its derivative) through go-xla's StableHLO builder, as
// on xla:cuda.
func TestActivationProgramsBuildForXLA(t *testing.T) {
	backend, err := xlatest.New("cuda")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range PointwiseActivations {
		exec, err := activationExec(backend, name)
		if err != nil {
			t.Fatal(err)
		}
		_, err = exec.Compile(shapes.Make(dtypes.Float32, 3))
		if err == nil || !strings.Contains(err.Error(), xlatest.ErrBuilt.Error()) {
			t.Errorf("%s does not build for XLA: %v", name, err)
		}
	}
	programs := backend.Programs()
	if len(programs) != len(PointwiseActivations) {
		t.Fatalf("built %d programs, want %d", len(programs), len(PointwiseActivations))
	}
	for _, p := range programs {
		if err := xlatest.CheckIsolated(p.Text); err != nil {
			t.Errorf("%s: %v", p.Name, err)
		}
	}
}
