package cli

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/neurona/neurona/internal/onnx"
	"github.com/neurona/neurona/train"
	"github.com/neurona/neurona/train/backend"
	"github.com/neurona/neurona/train/checkpoint"
	"google.golang.org/protobuf/proto"
)

// Bad input to `neurona export` gets one line on stderr, the documented
// exit code (2 for bad usage or a path of the wrong kind, 1 for a run that
// cannot be exported), and nothing written at --out.
func TestExportRefusesBadInput(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a model")
	}
	dataDir := shapesData(t)
	run := filepath.Join(t.TempDir(), "run")
	if code, stdout, stderr := cliRun("train", "--hidden", "8", "--epochs", "1", "--data-dir", dataDir, "--run-dir", run,
		"--backend", backend.Go, "--progress", "never"); code != ExitOK {
		t.Fatalf("train: exit %d\n%s%s", code, stdout, stderr)
	}
	c, _, err := train.ResolveCheckpoint(run)
	if err != nil {
		t.Fatalf("the trained run has no checkpoint: %v", err)
	}

	// A run that stopped before its first checkpoint: its files, no checkpoints/.
	noCheckpoint := filepath.Join(t.TempDir(), "stopped")
	copyFiles(t, run, noCheckpoint, "metrics.jsonl", "summary.json")
	// A checkpoint whose weights file is cut short.
	damaged := filepath.Join(t.TempDir(), "damaged")
	copyFiles(t, c.Dir, damaged, checkpoint.ManifestFile, checkpoint.MetaFile, checkpoint.VariablesFile, checkpoint.BlobFile)
	blob := filepath.Join(damaged, checkpoint.BlobFile)
	if err := os.Truncate(blob, 10); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	folder := filepath.Join(dir, "folder")
	if err := os.Mkdir(folder, 0o755); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "model.onnx")

	for _, tc := range []struct {
		name string
		args []string
		code int
		want string // in stderr, its only line
	}{
		{"a run without a checkpoint has nothing to export", []string{"export", noCheckpoint, "--out", out}, ExitFailure, "has no trained weights"},
		{"a damaged checkpoint is refused", []string{"export", damaged, "--out", out}, ExitFailure, damaged},
		{"an --out that is a folder is a usage error", []string{"export", run, "--out", folder}, ExitUsage, "--out " + folder + " is a directory"},
		{"an --out that is a named pipe is a usage error", []string{"export", run, "--out", fifo}, ExitUsage, "--out " + fifo + " is not a regular file (named pipe)"},
		{"an unknown --format says which are accepted", []string{"export", run, "--format", "tflite", "--out", out}, ExitUsage, "accepted: onnx, npz"},
		{"an unknown --input-type says which are accepted", []string{"export", run, "--input-type", "int16", "--out", out}, ExitUsage, "accepted: float32, uint8"},
		{"an unknown --input-shape says which are accepted", []string{"export", run, "--input-shape", "square", "--out", out}, ExitUsage, "accepted: flat, image"},
		{"--input-shape with npz is a usage error", []string{"export", run, "--format", "npz", "--input-shape", "image", "--out", out}, ExitUsage, "--input-shape is for --format onnx"},
		{"a missing --out is a usage error", []string{"export", run}, ExitUsage, "--out is missing"},
		{"no run folder is a usage error", []string{"export", "--out", out}, ExitUsage, "want one run folder or checkpoint"},
		{"a run folder that does not exist is refused", []string{"export", filepath.Join(dir, "nothing"), "--out", out}, ExitUsage, "nothing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := cliRun(tc.args...)
			t.Logf("stderr: %s", strings.TrimSpace(stderr))
			if code != tc.code || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, stderr %q; want exit %d and one line with %q", code, stderr, tc.code, tc.want)
			}
			if _, err := os.Lstat(out); err == nil {
				t.Errorf("%s was written", out)
			}
			if st, err := os.Lstat(fifo); err != nil || st.Mode()&os.ModeNamedPipe == 0 {
				t.Errorf("the named pipe %s was replaced or removed", fifo)
			}
			if entries, err := os.ReadDir(folder); err != nil || len(entries) != 0 {
				t.Errorf("the folder %s changed: %d entries, %v", folder, len(entries), err)
			}
		})
	}
	t.Run("--classes names the classes in the ONNX metadata", func(t *testing.T) {
		named := filepath.Join(t.TempDir(), "named.onnx")
		if code, _, stderr := cliRun("export", run, "--classes", "b,c,x", "--out", named); code != ExitOK {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		b, err := os.ReadFile(named)
		if err != nil {
			t.Fatal(err)
		}
		var mp onnx.ModelProto
		if err := proto.Unmarshal(b, &mp); err != nil {
			t.Fatalf("the file is not an ONNX ModelProto: %v", err)
		}
		classes := "(none)"
		for _, p := range mp.GetMetadataProps() {
			if p.GetKey() == "classes" {
				classes = p.GetValue()
			}
		}
		if classes != `["b","c","x"]` {
			t.Errorf("metadata classes %s, want [\"b\",\"c\",\"x\"]", classes)
		}
	})
}

// copyFiles copies the named files of folder from into folder to.
func copyFiles(t *testing.T, from, to string, names ...string) {
	t.Helper()
	if err := os.MkdirAll(to, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		b, err := os.ReadFile(filepath.Join(from, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
