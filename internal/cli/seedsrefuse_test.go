package cli

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
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

// TestSeedsFolderOfTheWrongKind: a seed's run folder (seed-N under
// --run-dir) that is a file or a named pipe is refused in one line, exit
// 2, before any seed's folder is made or anything printed.
func TestSeedsFolderOfTheWrongKind(t *testing.T) {
	data := fakeMNIST(t)
	for _, tc := range []struct {
		name string
		make func(path string) error
		kind string
	}{
		{"a file where seed 2's folder goes", func(p string) error { return os.WriteFile(p, nil, 0o644) }, "a file"},
		{"a named pipe where seed 2's folder goes", func(p string) error { return syscall.Mkfifo(p, 0o644) }, "a named pipe"},
	} {
		t.Run(tc.name+" is refused", func(t *testing.T) {
			dir := t.TempDir()
			if err := tc.make(filepath.Join(dir, "seed-2")); err != nil {
				t.Fatal(err)
			}
			code, stdout, stderr := cliRun("train", "--model", "perceptron", "--epochs", "1", "--backend", "go", "--progress", "never",
				"--data-dir", data, "--run-dir", dir, "--seeds", "1,2")
			if code != ExitUsage || stdout != "" || strings.Count(strings.TrimSpace(stderr), "\n") != 0 || !strings.Contains(stderr, tc.kind) {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit %d and one line saying seed-2 is %s", code, stdout, stderr, ExitUsage, tc.kind)
			}
			if left := treeOf(t, dir); len(left) != 1 {
				t.Errorf("--run-dir holds %v; want only the seed-2 made by the test", left)
			}
		})
	}
}
