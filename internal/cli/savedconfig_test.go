package cli

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/neurona/neurona/train/checkpoint"
	"github.com/neurona/neurona/train/runfolder"
)

// A saved configuration that is bad (hashes recomputed) is the
// checkpoint's fault: --resume says "saved configuration of <checkpoint>"
// and exits 1, not 2 as if the user had typed the flag; verify calls it
// invalid.
func TestBadSavedConfiguration(t *testing.T) {
	run, _ := trainedRun(t, 1) // the perceptron on tiny data: the configuration is what matters
	var stdout, stderr bytes.Buffer
	infos, err := checkpoint.List(runfolder.CheckpointsDir(run), false)
	if err != nil || len(infos) == 0 {
		t.Fatalf("List: %v, %v", infos, err)
	}
	ckpt := infos[len(infos)-1].Dir
	original, _ := os.ReadFile(filepath.Join(ckpt, checkpoint.MetaFile))
	for _, tc := range []struct{ name, field, value string }{
		{"batch size 0", "batch_size", "0"},
		{"model resnet", "model", `{"name": "resnet"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var meta map[string]any
			json.Unmarshal(original, &meta)
			var v any
			json.Unmarshal([]byte(tc.value), &v)
			meta["config"].(map[string]any)[tc.field] = v
			raw, _ := json.Marshal(meta)
			writeWithHashes(t, ckpt, checkpoint.MetaFile, raw)

			stderr.Reset()
			code := Main([]string{"train", "--resume", ckpt, "--progress", "never"}, io.Discard, &stderr)
			if code != 1 || !strings.Contains(stderr.String(), "saved configuration of "+ckpt) {
				t.Errorf("resume: exit %d, stderr %q; want exit 1 naming the saved configuration of %s", code, stderr.String(), ckpt)
			}
			stdout.Reset()
			stderr.Reset()
			if code := Main([]string{"checkpoints", "verify", ckpt}, &stdout, &stderr); code != 1 || !strings.Contains(stdout.String()+stderr.String(), "saved configuration of") {
				t.Errorf("verify: exit %d, %q %q; want exit 1 saying why", code, stdout.String(), stderr.String())
			}
		})
	}
}

// writeWithHashes writes raw as name in the checkpoint dir and fixes the
// manifest's size and hash for it.
func writeWithHashes(t *testing.T, dir, name string, raw []byte) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), raw, 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := checkpoint.ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	for i := range m.Files {
		if m.Files[i].Name == name {
			sum := sha256.Sum256(raw)
			m.Files[i].Size, m.Files[i].SHA256 = int64(len(raw)), hex.EncodeToString(sum[:])
		}
	}
	out, _ := json.Marshal(m)
	if err := os.WriteFile(filepath.Join(dir, checkpoint.ManifestFile), out, 0o644); err != nil {
		t.Fatal(err)
	}
}
