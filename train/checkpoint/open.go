package checkpoint

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
)

// ReadManifest reads and checks the manifest of the checkpoint in dir,
// without reading the other files.
func ReadManifest(dir string) (Manifest, error) {
	var m Manifest
	raw, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return m, fmt.Errorf("checkpoint %s: %s: %w", dir, ManifestFile, ErrMissing)
		}
		return m, fmt.Errorf("checkpoint %s: %w", dir, err)
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return m, fmt.Errorf("checkpoint %s: %s: %w: %v", dir, ManifestFile, ErrManifest, err)
	}
	if m.FormatVersion != FormatVersion {
		return m, fmt.Errorf("checkpoint %s: %w %d (this neurona reads version %d)", dir, ErrVersion, m.FormatVersion, FormatVersion)
	}
	for _, name := range []string{MetaFile, VariablesFile, BlobFile} {
		if !slices.ContainsFunc(m.Files, func(f FileEntry) bool { return f.Name == name }) {
			return m, fmt.Errorf("checkpoint %s: %s does not list %s: %w", dir, ManifestFile, name, ErrManifest)
		}
	}
	return m, nil
}

// Verify checks the manifest, every file's size and SHA-256, and that the
// variables' byte ranges tile variables.bin: what Open accepts, without
// keeping the data.
func Verify(dir string) (Manifest, error) {
	c, err := Open(dir)
	if err != nil {
		return Manifest{}, err
	}
	return c.Manifest, nil
}

func verifyFile(dir string, f FileEntry) error {
	path := filepath.Join(dir, filepath.Base(f.Name))
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("checkpoint %s: %s: %w", dir, f.Name, ErrMissing)
		}
		return fmt.Errorf("checkpoint %s: %w", dir, err)
	}
	if int64(len(data)) != f.Size {
		return fmt.Errorf("checkpoint %s: %s has %d bytes, manifest says %d: %w", dir, f.Name, len(data), f.Size, ErrSize)
	}
	sum := sha256.Sum256(data)
	if hex.EncodeToString(sum[:]) != f.SHA256 {
		return fmt.Errorf("checkpoint %s: %s: %w", dir, f.Name, ErrChecksum)
	}
	return nil
}

// Open validates the checkpoint in dir (manifest, sizes, checksums, the
// layout of the variables) and loads it.
func Open(dir string) (*Checkpoint, error) {
	m, err := ReadManifest(dir)
	if err != nil {
		return nil, err
	}
	for _, f := range m.Files {
		if err := verifyFile(dir, f); err != nil {
			return nil, err
		}
	}
	c := &Checkpoint{Dir: dir, Manifest: m}
	if c.Meta, err = os.ReadFile(filepath.Join(dir, MetaFile)); err != nil {
		return nil, fmt.Errorf("checkpoint %s: %w", dir, err)
	}
	rawVars, err := os.ReadFile(filepath.Join(dir, VariablesFile))
	if err != nil {
		return nil, fmt.Errorf("checkpoint %s: %w", dir, err)
	}
	if err := json.Unmarshal(rawVars, &c.Variables); err != nil {
		return nil, fmt.Errorf("checkpoint %s: %s: %w: %v", dir, VariablesFile, ErrCorrupt, err)
	}
	blob, err := os.ReadFile(filepath.Join(dir, BlobFile))
	if err != nil {
		return nil, fmt.Errorf("checkpoint %s: %w", dir, err)
	}
	var next int64
	for i := range c.Variables {
		v := &c.Variables[i]
		if v.Offset != next || v.Size < 0 || v.Offset+v.Size > int64(len(blob)) {
			return nil, fmt.Errorf("checkpoint %s: variable %s at [%d, +%d) outside %s: %w", dir, v.Path, v.Offset, v.Size, BlobFile, ErrCorrupt)
		}
		v.Data = blob[v.Offset : v.Offset+v.Size]
		next += v.Size
	}
	if next != int64(len(blob)) {
		return nil, fmt.Errorf("checkpoint %s: %s has %d bytes the variables do not use: %w", dir, BlobFile, int64(len(blob))-next, ErrCorrupt)
	}
	return c, nil
}
