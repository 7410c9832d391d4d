package cli

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/neurona/neurona/train/checkpoint"
)

// poisonWeights writes a NaN over the first float32 value of the checkpoint
// in dir and records variables.bin's new SHA-256 in its manifest, as a
// checkpoint saved by a buggy or hostile writer would be: only the value
// is wrong. It returns the poisoned variable's path.
func poisonWeights(t *testing.T, dir string) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, checkpoint.VariablesFile))
	if err != nil {
		t.Fatal(err)
	}
	var vars []checkpoint.Variable
	if err := json.Unmarshal(raw, &vars); err != nil {
		t.Fatal(err)
	}
	blobPath := filepath.Join(dir, checkpoint.BlobFile)
	blob, err := os.ReadFile(blobPath)
	if err != nil {
		t.Fatal(err)
	}
	poisoned := ""
	for _, v := range vars {
		if v.DType == "Float32" && v.Size >= 4 {
			binary.LittleEndian.PutUint32(blob[v.Offset:], math.Float32bits(float32(math.NaN())))
			poisoned = v.Path
			break
		}
	}
	if poisoned == "" {
		t.Fatal("no float32 variable to poison")
	}
	if err := os.WriteFile(blobPath, blob, 0o644); err != nil {
		t.Fatal(err)
	}
	manifestPath := filepath.Join(dir, checkpoint.ManifestFile)
	var m map[string]any
	raw, err = os.ReadFile(manifestPath)
	if err == nil {
		err = json.Unmarshal(raw, &m)
	}
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(blob)
	for _, f := range m["files"].([]any) {
		if f := f.(map[string]any); f["name"] == checkpoint.BlobFile {
			f["sha256"] = hex.EncodeToString(sum[:])
		}
	}
	if raw, err = json.Marshal(m); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(manifestPath, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	return poisoned
}

func TestNaNWeightsAreRefusedByVerifyAndLoad(t *testing.T) {
	run := tinyRun(t)
	ckpts, err := filepath.Glob(filepath.Join(run, "checkpoints", "ckpt-*"))
	if err != nil || len(ckpts) == 0 {
		t.Fatalf("no checkpoint in %s: %v", run, err)
	}
	ckpt := ckpts[len(ckpts)-1]
	variable := poisonWeights(t, ckpt)
	tests := []struct {
		name string
		args []string
	}{
		{"checkpoints verify refuses it", []string{"checkpoints", "verify", ckpt}},
		{"predict refuses to load it", []string{"predict", ckpt, "--test-index", "0"}},
		{"eval refuses to load it", []string{"eval", ckpt}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := mainOut(tt.args...)
			if code != ExitFailure || !strings.Contains(stdout+stderr, variable) || !strings.Contains(stdout+stderr, "NaN") {
				t.Errorf("exit %d, stdout %q, stderr %q; want %d naming %s and NaN", code, stdout, stderr, ExitFailure, variable)
			}
		})
	}
}
