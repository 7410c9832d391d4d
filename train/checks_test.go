package train

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/neurona/neurona/train/checkpoint"
)

// What a checkpoint is checked with is what the caller passes, never what
// a program happens to link: the checkpoint package's own Verify checks
// the layout only, train.Checkpoints() adds the model check, and both say
// the same whatever else is imported.
func TestCheckpointChecksArePassedNotInstalled(t *testing.T) {
	base := tinyRun(t)
	dir := filepath.Join(t.TempDir(), "checkpoints")
	if err := os.CopyFS(dir, os.DirFS(base)); err != nil {
		t.Fatal(err)
	}
	infos, err := checkpoint.List(dir, false)
	if err != nil || len(infos) == 0 {
		t.Fatalf("List: %v, %v", infos, err)
	}
	newest := infos[len(infos)-1].Dir
	// The same bytes in another shape: a layout that holds, a model that
	// does not.
	editVariables(t, newest, "/hidden_0/dense/weights", func(v *checkpoint.Variable) { v.Shape = []int{392, 8} })
	for _, tc := range []struct {
		name   string
		verify func(string) (checkpoint.Manifest, error)
		valid  bool
	}{
		{"the checkpoint package alone checks the layout, which holds", checkpoint.Verify, true},
		{"the zero Checks are the package's", checkpoint.Checks{}.Verify, true},
		{"the trainer's checks refuse the model the shapes contradict", Checkpoints().Verify, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := tc.verify(newest); (err == nil) != tc.valid {
				t.Errorf("Verify: %v; want valid %v", err, tc.valid)
			}
		})
	}
}
