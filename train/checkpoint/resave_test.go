package checkpoint

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A checkpoint saved again at the same step (an epoch's end that is also a
// --save-every step) is in place and valid at every point of the save, so
// that a kill at any of them leaves it, old or new (the crash test found a
// moment with neither: between two renames).
func TestResavingAStepKeepsAValidCheckpointAtEveryPoint(t *testing.T) {
	a, b := filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b")
	for _, d := range []string{a, b} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if swapped, err := exchange(a, b); !swapped || err != nil {
		t.Skipf("this system cannot swap two folders in one step (%v): a resave then has a moment without the checkpoint", err)
	}
	m := newManager(t, 3, "")
	final := mustSave(t, m, snapshot(5, 0.5))
	var points []string
	m.opts.Stage = func(point string) {
		points = append(points, point)
		if _, err := Verify(final); err != nil {
			t.Errorf("at %q: %s is not a valid checkpoint: %v", point, filepath.Base(final), err)
		}
	}
	mustSave(t, m, snapshot(5, 0.7))
	m.opts.Stage = nil
	if !strings.Contains(strings.Join(points, "\n"), "swapped with the older copy") {
		t.Errorf("the resave reached %q, without swapping folders", points)
	}
	c, err := Open(final)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Manifest.Metrics["val_accuracy"]; got != 0.7 {
		t.Errorf("after the resave %s holds val_accuracy %g, want the new checkpoint's 0.7", filepath.Base(final), got)
	}
	if tmps, _ := filepath.Glob(filepath.Join(m.Dir, tmpPrefix+"*")); len(tmps) > 0 {
		t.Errorf("temporary folders left: %v", tmps)
	}
}
