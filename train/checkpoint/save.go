package checkpoint

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/neurona/neurona/internal/atomicfile"
	"github.com/neurona/neurona/internal/safejson"
)

// Dirname is the folder name of the checkpoint of a global step.
func Dirname(step int) string { return fmt.Sprintf("ckpt-%09d", step) }

const tmpPrefix = ".tmp-"

// Snapshot is what Save writes.
type Snapshot struct {
	Step, Epoch int
	Reason      string             // "epoch", "step", "final", "interrupt"
	Metrics     map[string]float64 // e.g. val_accuracy, for retention and listings
	Meta        any                // marshalled into meta.json
	Variables   []Variable         // with Data filled
}

// writer abstracts file creation so tests can inject a full disk.
type writer interface {
	create(path string) (io.WriteCloser, error)
}

type osWriter struct{}

func (osWriter) create(path string) (io.WriteCloser, error) {
	return os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
}

// save writes snap as dir/Dirname(step) with the atomic protocol described
// in the package documentation, returning the final path and its size.
func save(dir string, snap Snapshot, w writer, opts ManagerOptions) (path string, size int64, err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", 0, fmt.Errorf("save checkpoint: %w", err)
	}
	final := filepath.Join(dir, Dirname(snap.Step))
	// Errors about the temporary folder name the checkpoint (final), not
	// the .tmp- folder that no longer exists (atomicfile.WithoutPath).
	tmp, err := os.MkdirTemp(dir, tmpPrefix+Dirname(snap.Step)+"-")
	if err != nil {
		return "", 0, fmt.Errorf("save checkpoint %s: %w", final, atomicfile.WithoutPath(err))
	}
	if err := os.Chmod(tmp, 0o755); err != nil { // MkdirTemp makes it 0700
		_ = os.RemoveAll(tmp)
		return "", 0, fmt.Errorf("save checkpoint %s: %w", final, atomicfile.WithoutPath(err))
	}
	defer func() {
		if err != nil {
			_ = os.RemoveAll(tmp)
		}
	}()
	reach := func(stage string) { opts.stage("save " + Dirname(snap.Step) + ": " + stage) }
	reach("temporary folder made")

	meta, err := safejson.MarshalIndent(snap.Meta, "", "  ")
	if err != nil {
		return "", 0, fmt.Errorf("save checkpoint: encode meta: %w", err)
	}
	vars := make([]Variable, len(snap.Variables))
	var offset int64
	for i, v := range snap.Variables {
		v.Offset, v.Size = offset, int64(len(v.Data))
		offset += v.Size
		vars[i] = v
	}
	varsJSON, err := safejson.MarshalIndent(vars, "", "  ")
	if err != nil {
		return "", 0, fmt.Errorf("save checkpoint: encode variables: %w", err)
	}
	m := Manifest{FormatVersion: FormatVersion, Step: snap.Step, Epoch: snap.Epoch, Reason: snap.Reason,
		Metrics: snap.Metrics, Created: time.Now().UTC()}
	for _, f := range []struct {
		name  string
		parts [][]byte
	}{
		{MetaFile, [][]byte{meta}},
		{VariablesFile, [][]byte{varsJSON}},
		{BlobFile, dataOf(vars)},
	} {
		entry, err := writeFile(w, filepath.Join(tmp, f.name), f.parts)
		if err != nil {
			return "", 0, fmt.Errorf("save checkpoint %s: %w", final, err)
		}
		m.Files = append(m.Files, entry)
		size += entry.Size
		reach(f.name + " written")
	}
	manifest, err := safejson.MarshalIndent(m, "", "  ")
	if err != nil {
		return "", 0, fmt.Errorf("save checkpoint: encode manifest: %w", err)
	}
	entry, err := writeFile(w, filepath.Join(tmp, ManifestFile), [][]byte{manifest})
	if err != nil {
		return "", 0, fmt.Errorf("save checkpoint %s: %w", final, err)
	}
	size += entry.Size
	reach(ManifestFile + " written")
	if err := syncDir(tmp); err != nil {
		return "", 0, fmt.Errorf("save checkpoint %s: %w", final, atomicfile.WithoutPath(err))
	}
	reach("synced")
	if err := replace(tmp, final, reach, opts); err != nil {
		return "", 0, fmt.Errorf("save checkpoint %s: %w", final, atomicfile.WithoutPath(err))
	}
	reach("renamed")
	if err := syncDir(dir); err != nil {
		return "", 0, fmt.Errorf("save checkpoint %s: %w", final, err)
	}
	return final, size, nil
}

// replace renames tmp to final. An existing valid final folder (a
// checkpoint of the same step saved earlier) is moved aside first and
// removed only once the new one is in place. One that is not valid (corrupt,
// or of a newer format) is kept for inspection under final.corrupt-<n>, a
// name that says so and that List ignores.
func replace(tmp, final string, reach func(stage string), opts ManagerOptions) error {
	if _, err := os.Lstat(final); err != nil {
		return os.Rename(tmp, final)
	}
	if _, verr := (Checks{opts.Check}).Verify(final); verr != nil {
		aside, err := corruptName(final)
		if err != nil {
			return err
		}
		if err := os.Rename(final, aside); err != nil {
			return fmt.Errorf("move the invalid %s aside: %w", final, err)
		}
		if opts.Warn != nil {
			opts.Warn(&SetAside{Dir: final, Aside: aside, Err: verr})
		}
		return os.Rename(tmp, final)
	}
	// Swapped in one step where the system can: a kill between two
	// renames would leave no final folder, and the older copy under a
	// temporary name that the next start deletes (the crash test found
	// it: an epoch's save often has the step of a --save-every one).
	if swapped, err := exchange(tmp, final); swapped {
		if err != nil {
			return err
		}
		reach("swapped with the older copy")
		return os.RemoveAll(tmp) // the older copy now; a kill leaves it to CleanTemp
	}
	old := tmp + "-old"
	if err := os.Rename(final, old); err != nil {
		return err
	}
	reach("the older copy moved aside")
	if err := os.Rename(tmp, final); err != nil {
		_ = os.Rename(old, final)
		return err
	}
	return os.RemoveAll(old)
}

// corruptName returns final.corrupt-<n> for the first n not taken.
func corruptName(final string) (string, error) {
	for n := 1; n < 10000; n++ {
		name := fmt.Sprintf("%s.corrupt-%d", final, n)
		if _, err := os.Lstat(name); errors.Is(err, fs.ErrNotExist) {
			return name, nil
		}
	}
	return "", fmt.Errorf("%s: too many corrupt copies kept beside it", final)
}

func dataOf(vars []Variable) [][]byte {
	parts := make([][]byte, len(vars))
	for i, v := range vars {
		parts[i] = v.Data
	}
	return parts
}

// writeFile writes parts to path, fsyncs and closes it, checking every
// error, and returns its manifest entry.
func writeFile(w writer, path string, parts [][]byte) (FileEntry, error) {
	f, err := w.create(path)
	if err != nil {
		return FileEntry{}, fmt.Errorf("create %s: %w", filepath.Base(path), atomicfile.WithoutPath(err))
	}
	h := sha256.New()
	var n int64
	for _, p := range parts {
		if _, err := f.Write(p); err != nil {
			f.Close()
			return FileEntry{}, fmt.Errorf("write %s: %w", filepath.Base(path), atomicfile.WithoutPath(err))
		}
		h.Write(p)
		n += int64(len(p))
	}
	if s, ok := f.(interface{ Sync() error }); ok {
		if err := s.Sync(); err != nil {
			f.Close()
			return FileEntry{}, fmt.Errorf("sync %s: %w", filepath.Base(path), atomicfile.WithoutPath(err))
		}
	}
	if err := f.Close(); err != nil {
		return FileEntry{}, fmt.Errorf("close %s: %w", filepath.Base(path), atomicfile.WithoutPath(err))
	}
	return FileEntry{Name: filepath.Base(path), Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

// CleanTemp removes leftover temporary folders of interrupted saves in dir.
func CleanTemp(dir string) error { return cleanTemp(dir, nil) }

// cleanTemp is CleanTemp telling stage before each removal.
func cleanTemp(dir string, stage func(string)) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		if os.IsNotExist(err) {
			return nil
		}
		return err
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), tmpPrefix) {
			if stage != nil {
				stage("clean: removing " + e.Name())
			}
			if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
				return fmt.Errorf("remove an interrupted save: %w", atomicfile.WithoutPath(err))
			}
		}
	}
	return nil
}

// SetAside is what a save reports when it found an invalid checkpoint of
// its step in its place (corrupt, or of a newer format): it was kept, under
// Aside, for inspection.
type SetAside struct {
	Dir, Aside string
	Err        error // why Dir was not valid
}

func (w *SetAside) Error() string {
	return fmt.Sprintf("%s was not a valid checkpoint (%v); kept as %s", w.Dir, w.Err, w.Aside)
}
