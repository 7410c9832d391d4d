package train

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/neurona/neurona/train/checkpoint"
)

// FuzzTamperedCheckpoint writes fuzzed manifest.json, variables.json and
// meta.json into a copy of a real checkpoint (variables.bin kept), with the
// manifest's sizes and hashes recomputed whenever it parses, so that the
// fuzzer gets past the checksums to the contents. Verify and Open must not
// panic, must not allocate more than a bound set by the files' real sizes,
// and a checkpoint Verify accepts must load and predict.
//
// The seeds (run by plain go test) are the real files and a few lies;
// `go test -fuzz FuzzTamperedCheckpoint ./train/` explores further.
func FuzzTamperedCheckpoint(f *testing.F) {
	ckpts := tinyRun(f)
	infos, err := checkpoint.List(ckpts, false)
	if err != nil || len(infos) == 0 {
		f.Fatalf("List: %v, %v", infos, err)
	}
	base := infos[len(infos)-1].Dir
	read := func(name string) []byte {
		raw, err := os.ReadFile(filepath.Join(base, name))
		if err != nil {
			f.Fatal(err)
		}
		return raw
	}
	manifest, vars, meta := read(checkpoint.ManifestFile), read(checkpoint.VariablesFile), read(checkpoint.MetaFile)
	blob := read(checkpoint.BlobFile)
	f.Add(manifest, vars, meta)
	f.Add(manifest, bytes.Replace(vars, []byte("784,\n      4"), []byte("392,\n      8"), 1), meta)
	f.Add(manifest, bytes.Replace(vars, []byte("784,\n      4"), []byte("784,\n      288230376151711776"), 1), meta)
	f.Add(manifest, bytes.Replace(vars, []byte("784,\n      4"), []byte("-784,\n      -4"), 1), meta)
	f.Add(manifest, vars, bytes.Replace(meta, []byte(`"batch_size": 100`), []byte(`"batch_size": 0`), 1))
	f.Add(manifest, vars, bytes.Replace(meta, []byte(`"hidden": [
        4
      ]`), []byte(`"hidden": [1000000, 1000000]`), 1))
	f.Add(bytes.Replace(manifest, []byte(`"format_version": 1`), []byte(`"format_version": 2`), 1), vars, meta)
	f.Add([]byte(`{"format_version":1,"files":[{"name":"../../etc/passwd"}]}`), vars, meta)
	f.Add(manifest, []byte(`[{"path":"/x","dtype":"Float32","shape":[4611686018427387904],"offset":0,"size":0}]`), []byte(`null`))

	f.Fuzz(func(t *testing.T, manifest, vars, meta []byte) {
		dir := filepath.Join(t.TempDir(), "checkpoints", filepath.Base(base))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		files := map[string][]byte{checkpoint.VariablesFile: vars, checkpoint.MetaFile: meta, checkpoint.BlobFile: blob}
		var real int64
		for name, raw := range files {
			if err := os.WriteFile(filepath.Join(dir, name), raw, 0o644); err != nil {
				t.Fatal(err)
			}
			real += int64(len(raw))
		}
		var m checkpoint.Manifest
		if json.Unmarshal(manifest, &m) == nil {
			for i, e := range m.Files {
				if raw, ok := files[e.Name]; ok {
					sum := sha256.Sum256(raw)
					m.Files[i].Size, m.Files[i].SHA256 = int64(len(raw)), hex.EncodeToString(sum[:])
				}
			}
			manifest, _ = json.Marshal(m)
		}
		if err := os.WriteFile(filepath.Join(dir, checkpoint.ManifestFile), manifest, 0o644); err != nil {
			t.Fatal(err)
		}
		real += int64(len(manifest))

		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, verr := Checkpoints().Verify(dir)
		c, oerr := Checkpoints().Open(dir)
		runtime.ReadMemStats(&after)
		// Parsing JSON costs a few times its size, and building a model's
		// program (only ever one whose weights fit in variables.bin) a
		// bounded amount more.
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > uint64(64<<20+64*real) {
			t.Fatalf("Verify and Open allocated %d bytes for %d bytes of files", alloc, real)
		}
		if (verr == nil) != (oerr == nil) {
			t.Fatalf("Verify says %v but Open says %v", verr, oerr)
		}
		if verr != nil {
			return
		}
		loadsOnGo(t, c)
	})
}
