package train

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train/checkpoint"
	"github.com/neurona/neurona/train/config"
	"github.com/neurona/neurona/train/runfolder"
)

// tinyRun trains a 784-4-10 MLP for 2 epochs of 200 examples on the Go
// backend, saving every 2 steps, and returns its checkpoints/ folder (at
// least 2 checkpoints).
func tinyRun(t testing.TB) string {
	t.Helper()
	m := smallMNIST(t, 200, 50)
	cfg := config.Defaults(models.MLP)
	cfg.Model.Hidden = []int{4}
	cfg.Epochs, cfg.BatchSize, cfg.SaveEvery, cfg.KeepLast = 2, 100, 2, 10
	s, _, out, err := runWith(t, cfg, m, Options{})
	if err != nil {
		t.Fatalf("train: %v\n%s", err, out)
	}
	return runfolder.CheckpointsDir(s.RunDir)
}

// rewriteCheckpoint replaces variables.json and meta.json of the
// checkpoint in dir (nil keeps a file) and recomputes the manifest's sizes
// and hashes, as a careful forger would, so that only the contents are
// wrong.
func rewriteCheckpoint(t testing.TB, dir string, vars, meta []byte) {
	t.Helper()
	for name, raw := range map[string][]byte{checkpoint.VariablesFile: vars, checkpoint.MetaFile: meta} {
		if raw != nil {
			if err := os.WriteFile(filepath.Join(dir, name), raw, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	m, err := checkpoint.ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range m.Files {
		raw, err := os.ReadFile(filepath.Join(dir, f.Name))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(raw)
		m.Files[i].Size, m.Files[i].SHA256 = int64(len(raw)), hex.EncodeToString(sum[:])
	}
	raw, _ := json.Marshal(m)
	if err := os.WriteFile(filepath.Join(dir, checkpoint.ManifestFile), raw, 0o644); err != nil {
		t.Fatal(err)
	}
}

// editVariables rewrites the variable at path of the checkpoint in dir.
func editVariables(t testing.TB, dir, path string, edit func(*checkpoint.Variable)) {
	t.Helper()
	raw, _ := os.ReadFile(filepath.Join(dir, checkpoint.VariablesFile))
	var vars []checkpoint.Variable
	if err := json.Unmarshal(raw, &vars); err != nil {
		t.Fatal(err)
	}
	found := false
	for i := range vars {
		if vars[i].Path == path {
			edit(&vars[i])
			found = true
		}
	}
	if !found {
		t.Fatalf("no variable %s", path)
	}
	raw, _ = json.Marshal(vars)
	rewriteCheckpoint(t, dir, raw, nil)
}

// editMeta rewrites meta.json's configuration of the checkpoint in dir.
func editMeta(t testing.TB, dir string, edit func(cfg map[string]any)) {
	t.Helper()
	raw, _ := os.ReadFile(filepath.Join(dir, checkpoint.MetaFile))
	var meta map[string]any
	if err := json.Unmarshal(raw, &meta); err != nil {
		t.Fatal(err)
	}
	edit(meta["config"].(map[string]any))
	raw, _ = json.Marshal(meta)
	rewriteCheckpoint(t, dir, nil, raw)
}

// Checkpoints whose variables.json or meta.json lie (hashes recomputed):
// Verify must refuse each, naming the checkpoint, and Latest must fall
// back to the newest valid one, which loads.
func TestCheckpointsThatLie(t *testing.T) {
	base := tinyRun(t)
	const weights = "/hidden_0/dense/weights" // [4, 784] Float32 (models.LayoutOutputsInputs)
	shape := func(dims ...int) func(t testing.TB, dir string) {
		return func(t testing.TB, dir string) {
			editVariables(t, dir, weights, func(v *checkpoint.Variable) { v.Shape = dims })
		}
	}
	tests := []struct {
		name   string
		tamper func(t testing.TB, dir string)
		says   string // in the error
	}{
		{"a shape whose bytes overflow to the right size", shape(4611686018427412992), "too large"},
		{"a 2-D shape whose bytes overflow", shape(784, 288230376151711776), "too large"},
		{"negative dimensions", shape(-784, -4), "negative"},
		{"the same bytes in another shape", shape(392, 8), "where the model has Float32[4 784]"},
		{"another dtype of the same size", func(t testing.TB, dir string) {
			editVariables(t, dir, weights, func(v *checkpoint.Variable) { v.DType = "Int32" })
		}, "Int32"},
		{"an unknown dtype", func(t testing.TB, dir string) {
			editVariables(t, dir, weights, func(v *checkpoint.Variable) { v.DType = "Float99" })
		}, "unsupported dtype"},
		{"a renamed variable", func(t testing.TB, dir string) {
			editVariables(t, dir, weights, func(v *checkpoint.Variable) { v.Path = "/hidden_0/dense/weightz" })
		}, "weightz"},
		{"other hidden sizes in meta.json", func(t testing.TB, dir string) {
			editMeta(t, dir, func(cfg map[string]any) { cfg["model"].(map[string]any)["hidden"] = []int{8} })
		}, "does not match"},
		{"a huge model in meta.json", func(t testing.TB, dir string) {
			editMeta(t, dir, func(cfg map[string]any) { cfg["model"].(map[string]any)["hidden"] = []int{1000000, 1000000} })
		}, "more weights than"},
		{"another optimizer in meta.json", func(t testing.TB, dir string) {
			editMeta(t, dir, func(cfg map[string]any) { cfg["optimizer"] = "sgd" })
		}, "does not match"},
		{"batch size 0 in meta.json", func(t testing.TB, dir string) {
			editMeta(t, dir, func(cfg map[string]any) { cfg["batch_size"] = 0 })
		}, "saved configuration of"},
		{"an unknown model in meta.json", func(t testing.TB, dir string) {
			editMeta(t, dir, func(cfg map[string]any) { cfg["model"].(map[string]any)["name"] = "resnet" })
		}, "saved configuration of"},
		{"meta.json that is not an object", func(t testing.TB, dir string) {
			rewriteCheckpoint(t, dir, nil, []byte(`[1, 2]`))
		}, checkpoint.MetaFile},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "checkpoints")
			if err := os.CopyFS(dir, os.DirFS(base)); err != nil {
				t.Fatal(err)
			}
			infos, err := checkpoint.List(dir, false)
			if err != nil || len(infos) < 2 {
				t.Fatalf("List: %v, %v", infos, err)
			}
			newest, older := infos[len(infos)-1].Dir, infos[len(infos)-2].Dir
			if _, err := Checkpoints().Verify(newest); err != nil {
				t.Fatalf("before tampering: %v", err)
			}
			tt.tamper(t, newest)
			for what, err := range map[string]error{"Verify": verifyErr(newest), "Open": openErr(newest)} {
				if err == nil {
					t.Fatalf("%s accepted the tampered checkpoint", what)
				}
				if !errors.Is(err, checkpoint.ErrCorrupt) || !strings.Contains(err.Error(), newest) || !strings.Contains(err.Error(), tt.says) {
					t.Errorf("%s: %v; want ErrCorrupt naming %s and saying %q", what, err, newest, tt.says)
				}
			}
			c, skipped, err := ResolveCheckpoint(filepath.Dir(dir))
			if err != nil || c.Dir != older || len(skipped) != 1 {
				t.Fatalf("ResolveCheckpoint: %v, skipped %v, %v; want %s", c, skipped, err, older)
			}
			loadsOnGo(t, c)
		})
	}
}

func verifyErr(dir string) error { _, err := Checkpoints().Verify(dir); return err }
func openErr(dir string) error   { _, err := Checkpoints().Open(dir); return err }

// loadsOnGo loads c on the Go backend and predicts one image with it.
func loadsOnGo(t testing.TB, c *checkpoint.Checkpoint) {
	t.Helper()
	goBackend, _ := newGoBackend(t)
	tr, err := LoadTrained(goBackend, c)
	if err != nil {
		t.Fatalf("load %s: %v", c.Dir, err)
	}
	if _, _, err := tr.Predict(make([]uint8, tr.Config.Model.Inputs), 1); err != nil {
		t.Fatalf("predict with %s: %v", c.Dir, err)
	}
}
