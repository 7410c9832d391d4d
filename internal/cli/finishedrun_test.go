package cli

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/neurona/neurona/train"
)

// treeState is what a run folder holds: for every path under it, its
// type, mode, modification time and (for files) the SHA-256 of its bytes.
func treeState(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		state := fmt.Sprintf("%v modified %s", info.Mode(), info.ModTime().Format("15:04:05.000000000"))
		if info.Mode().IsRegular() {
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			state += fmt.Sprintf(" sha256 %.16x", sha256.Sum256(b))
		}
		rel, _ := filepath.Rel(dir, path)
		out[rel] = state
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// treeDiff lists the paths whose state differs, one line each.
func treeDiff(before, after map[string]string) string {
	var diff []string
	for path, was := range before {
		if now, ok := after[path]; !ok {
			diff = append(diff, path+": removed")
		} else if now != was {
			diff = append(diff, fmt.Sprintf("%s: %s, now %s", path, was, now))
		}
	}
	for path := range after {
		if _, ok := before[path]; !ok {
			diff = append(diff, path+": added")
		}
	}
	slices.Sort(diff)
	return strings.Join(diff, "\n")
}

// TestResumingAFinishedRunChangesNothing resumes a run that has nothing
// left to train, as a run folder and as a checkpoint, and checks that the
// one line said is why, and that not a byte nor a modification time in the
// run folder changed (the summary's wall time and start, the pictures, the
// report that reads them).
func TestResumingAFinishedRunChangesNothing(t *testing.T) {
	run, _ := trainedRun(t, 2) // the perceptron on tiny data, to its --epochs
	c, _, err := train.ResolveCheckpoint(run)
	if err != nil {
		t.Fatal(err)
	}
	ckpt := c.Dir
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"a run folder resumed alone", []string{"--resume", run}},
		{"a run folder resumed with the epochs it trained", []string{"--resume", run, "--epochs", "2"}},
		// Said before, alone: "epochs 1 instead of the 2 the run was
		// started with" (and, with a cosine schedule, that it now decays
		// over the new total).
		{"a run folder resumed with fewer epochs than it trained says only that", []string{"--resume", run, "--epochs", "1"}},
		{"its last checkpoint resumed", []string{"--resume", ckpt}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := treeState(t, run)
			var stdout, stderr bytes.Buffer
			code := Main(append([]string{"train", "--progress", "never"}, tc.args...), &stdout, &stderr)
			want := "nothing to train: the run already stopped after 2 epochs (reached --epochs 2); pass --epochs N, N > 2, to train longer\n"
			if code != ExitOK || stdout.String() != want || stderr.Len() > 0 {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit 0 and stdout %q alone", code, stdout.String(), stderr.String(), want)
			}
			if diff := treeDiff(before, treeState(t, run)); diff != "" {
				t.Errorf("the run folder changed:\n%s", diff)
			}
		})
	}
}
