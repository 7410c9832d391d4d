package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/neurona/neurona/train"
	"github.com/neurona/neurona/train/checkpoint"
	"github.com/neurona/neurona/train/runfolder"
)

// TestEvalTakesBestAndLast evaluates a run's checkpoints/best and
// checkpoints/last, and checks that a damaged pointer is one clear line.
func TestEvalTakesBestAndLast(t *testing.T) {
	run := tinyRun(t)
	newest, _, err := train.ResolveCheckpoint(run)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, pointer, content string
		code                   int
		want                   string
	}{
		{"eval of checkpoints/last evaluates the newest checkpoint", checkpoint.LastPointer, "", 0, "checkpoint  " + newest.Dir},
		{"eval of checkpoints/best evaluates the best checkpoint", checkpoint.BestPointer, "", 0, "checkpoint  " + newest.Dir},
		{"a pointer naming no checkpoint is one line and exit 1", checkpoint.BestPointer, "ckpt-000000999\n", 1, "names ckpt-000000999, which is gone"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(runfolder.CheckpointsDir(run), tc.pointer)
			if tc.content != "" {
				if err := os.WriteFile(path, []byte(tc.content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			var out, errOut bytes.Buffer
			code := Main([]string{"eval", path}, &out, &errOut)
			stdout, stderr := out.String(), errOut.String()
			if code != tc.code || !strings.Contains(stdout+stderr, tc.want) {
				t.Errorf("exit %d, want %d and %q in:\n%s%s", code, tc.code, tc.want, stdout, stderr)
			}
			if tc.code != 0 && strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
				t.Errorf("more than one line:\n%s", stderr)
			}
		})
	}
}
