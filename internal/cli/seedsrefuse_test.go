package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSeedsRefusedRecipeWritesNothing: a recipe train refuses on the data
// (an epoch with no batch) is refused by `train --seeds` as by `train`: the
// same one line and exit code, before any folder is made, not once per
// seed after making every seed's folder, log and seeds.json.
func TestSeedsRefusedRecipeWritesNothing(t *testing.T) {
	data := fakeMNIST(t) // 200 training images: 180 after the validation split
	for _, tc := range []struct {
		name   string
		recipe []string
		runDir bool // --run-dir given (else the default runs/<model>-<time> in the working folder)
	}{
		{"a batch larger than the training split with --drop-last, in --run-dir", []string{"--drop-last", "--batch-size", "1000"}, true},
		{"a validation split that leaves no training example, in --run-dir", []string{"--val-split", "0.999"}, true},
		{"a batch larger than the training split with --drop-last, in the default folder", []string{"--drop-last", "--batch-size", "1000"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			work := t.TempDir()
			t.Chdir(work)
			args := append([]string{"train", "--model", "perceptron", "--epochs", "1", "--backend", "go", "--progress", "never",
				"--data-dir", data, "--download=false"}, tc.recipe...)
			if tc.runDir {
				args = append(args, "--run-dir", filepath.Join(work, "seeds"))
			}
			wantCode, _, wantErr := cliRun(append(args, "--seed", "1")...)
			if wantCode == ExitOK {
				t.Fatalf("train alone accepted %v: the case no longer tests a refused recipe", tc.recipe)
			}
			if left := treeOf(t, work); len(left) > 0 {
				t.Fatalf("train alone left %v in the working folder", left)
			}
			code, _, stderr := cliRun(append(args, "--seeds", "1,2")...)
			if code != wantCode || strings.TrimSpace(stderr) != strings.TrimSpace(wantErr) {
				t.Errorf("--seeds 1,2: exit %d, stderr %q; want train's own: exit %d, %q", code, stderr, wantCode, wantErr)
			}
			if left := treeOf(t, work); len(left) > 0 {
				t.Errorf("--seeds 1,2 of a refused recipe left %v in the working folder", left)
			}
		})
	}
}

// treeOf lists what dir holds, every level down, as paths under dir.
func treeOf(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(path string, _ os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if path != dir {
			rel, _ := filepath.Rel(dir, path)
			out = append(out, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
