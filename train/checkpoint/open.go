package checkpoint

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"syscall"

	"github.com/neurona/neurona/internal/safefile"
)

// Limits on the small files of a checkpoint, checked against their real
// size before anything is read: a manifest, meta.json or variables.json
// larger than these is not one neurona wrote.
const (
	maxManifestBytes = 1 << 20  // 1 MiB
	maxJSONBytes     = 64 << 20 // meta.json and variables.json
)

// dirPattern is the name of every checkpoint folder Save writes.
var dirPattern = regexp.MustCompile(`^ckpt-([0-9]{9})$`)

// StepOfName returns the step a checkpoint folder's name says, and whether
// name is one Save writes (ckpt- and 9 digits). Nothing else in a
// checkpoints/ folder is a checkpoint.
func StepOfName(name string) (int, bool) {
	m := dirPattern.FindStringSubmatch(name)
	if m == nil {
		return 0, false
	}
	step, err := strconv.Atoi(m[1])
	return step, err == nil
}

// ContentCheck checks a checkpoint's contents beyond its layout: its
// Variables (without Data) against the model its Meta describes. Errors it
// returns must name the checkpoint and should be marked with Inconsistent.
type ContentCheck func(c *Checkpoint) error

// Checks says what Open, Verify, List and Latest check of a checkpoint: its
// manifest, sizes, checksums and layout always, and Content (when set) once
// those are right and before variables.bin is read. The trainer's check
// compares the variables with the model the saved configuration builds, so
// that a checkpoint its Verify calls valid always loads; the package's
// functions of the same names are the zero Checks (the layout only). The
// check is passed, never installed: what Verify means does not depend on
// what else a program links.
type Checks struct {
	Content ContentCheck
}

// inconsistent is an error of ErrCorrupt's kind with its own message.
type inconsistent struct{ err error }

func (e inconsistent) Error() string   { return e.err.Error() }
func (e inconsistent) Unwrap() []error { return []error{e.err, ErrCorrupt} }

// Inconsistent marks err as one of ErrCorrupt's kind, keeping its message.
func Inconsistent(err error) error {
	if err == nil {
		return nil
	}
	return inconsistent{err}
}

// openRegular opens the file name of the checkpoint in dir for reading,
// refusing anything but a regular file inside the folder: a symbolic link
// (wherever it leads), a folder, a FIFO, a device (safefile.OpenNoFollow).
// It returns the file and its size.
func openRegular(dir, name string) (*os.File, int64, error) {
	f, fi, err := safefile.OpenNoFollow(filepath.Join(dir, name))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, 0, fmt.Errorf("checkpoint %s: %s: %w", dir, name, ErrMissing)
	case errors.Is(err, syscall.ELOOP): // a link swapped in after the check
		return nil, 0, fmt.Errorf("checkpoint %s: %s changed while being opened: %w", dir, name, ErrNotRegular)
	case err != nil:
		return nil, 0, fmt.Errorf("checkpoint %s: %w", dir, err)
	}
	return f, fi.Size(), nil
}

// readExact reads the whole file f of size bytes, failing if it holds more
// or fewer bytes than that (it may change while read). size must have been
// bounded by the caller.
func readExact(dir, name string, f *os.File, size int64, h hash.Hash) ([]byte, error) {
	buf := make([]byte, size)
	if _, err := io.ReadFull(f, buf); err != nil {
		return nil, fmt.Errorf("checkpoint %s: %s: read: %v: %w", dir, name, err, ErrSize)
	}
	if n, _ := f.Read(make([]byte, 1)); n != 0 {
		return nil, fmt.Errorf("checkpoint %s: %s grew while being read: %w", dir, name, ErrSize)
	}
	if h != nil {
		h.Write(buf)
	}
	return buf, nil
}

// ReadManifest reads and checks the manifest of the checkpoint in dir,
// without reading the other files: its size, format version, that it lists
// exactly the three other files once each with sane sizes, and that a
// folder named ckpt-<step> holds the manifest of that step.
func ReadManifest(dir string) (Manifest, error) {
	var m Manifest
	f, size, err := openRegular(dir, ManifestFile)
	if err != nil {
		return m, err
	}
	defer f.Close()
	if size > maxManifestBytes {
		return m, fmt.Errorf("checkpoint %s: %s has %d bytes, a manifest has at most %d: %w", dir, ManifestFile, size, maxManifestBytes, ErrManifest)
	}
	raw, err := readExact(dir, ManifestFile, f, size, nil)
	if err != nil {
		return m, err
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return Manifest{}, fmt.Errorf("checkpoint %s: %s: %w: %v", dir, ManifestFile, ErrManifest, err)
	}
	if m.FormatVersion != FormatVersion {
		return m, fmt.Errorf("checkpoint %s: %w %d (this neurona reads version %d)", dir, ErrVersion, m.FormatVersion, FormatVersion)
	}
	if err := checkEntries(dir, m); err != nil {
		return m, err
	}
	if step, ok := StepOfName(filepath.Base(filepath.Clean(dir))); ok && step != m.Step {
		return m, fmt.Errorf("checkpoint %s: the folder is named for step %d but %s says step %d: %w", dir, step, ManifestFile, m.Step, ErrManifest)
	}
	if m.Step < 0 || m.Epoch < 0 {
		return m, fmt.Errorf("checkpoint %s: %s says step %d, epoch %d (must be >= 0): %w", dir, ManifestFile, m.Step, m.Epoch, ErrManifest)
	}
	return m, nil
}

// checkEntries checks that the manifest lists meta.json, variables.json and
// variables.bin exactly once each, and nothing else, with sizes in range.
func checkEntries(dir string, m Manifest) error {
	seen := map[string]bool{}
	for _, f := range m.Files {
		switch f.Name {
		case MetaFile, VariablesFile, BlobFile:
		default:
			return fmt.Errorf("checkpoint %s: %s lists %q (accepted: %s, %s, %s): %w", dir, ManifestFile, f.Name, MetaFile, VariablesFile, BlobFile, ErrManifest)
		}
		if seen[f.Name] {
			return fmt.Errorf("checkpoint %s: %s lists %s twice: %w", dir, ManifestFile, f.Name, ErrManifest)
		}
		seen[f.Name] = true
		if f.Size < 0 || (f.Name != BlobFile && f.Size > maxJSONBytes) {
			return fmt.Errorf("checkpoint %s: %s gives %s %d bytes (at most %d): %w", dir, ManifestFile, f.Name, f.Size, int64(maxJSONBytes), ErrManifest)
		}
	}
	for _, name := range []string{MetaFile, VariablesFile, BlobFile} {
		if !seen[name] {
			return fmt.Errorf("checkpoint %s: %s does not list %s: %w", dir, ManifestFile, name, ErrManifest)
		}
	}
	return nil
}

// entry returns the manifest's entry for name (checkEntries guarantees it).
func (m Manifest) entry(name string) FileEntry {
	for _, f := range m.Files {
		if f.Name == name {
			return f
		}
	}
	return FileEntry{Name: name}
}

// Verify is Checks{}.Verify: the layout only.
func Verify(dir string) (Manifest, error) { return Checks{}.Verify(dir) }

// Verify checks everything Open does (manifest, sizes, checksums, the
// layout of the variables and k.Content), hashing variables.bin by
// streaming instead of keeping it: a checkpoint Verify accepts, Open
// accepts.
func (k Checks) Verify(dir string) (Manifest, error) {
	c, err := open(dir, false, k.Content)
	if err != nil {
		return Manifest{}, err
	}
	return c.Manifest, nil
}

// ReadMeta reads the meta.json of the checkpoint in dir, checked against
// its manifest (size and checksum, before and after reading) but without
// reading the variables: what a listing needs of a checkpoint.
func ReadMeta(dir string) ([]byte, error) {
	m, err := ReadManifest(dir)
	if err != nil {
		return nil, err
	}
	want := m.entry(MetaFile)
	f, size, err := openRegular(dir, MetaFile)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if size != want.Size {
		return nil, fmt.Errorf("checkpoint %s: %s has %d bytes, manifest says %d: %w", dir, MetaFile, size, want.Size, ErrSize)
	}
	h := sha256.New()
	b, err := readExact(dir, MetaFile, f, size, h)
	if err != nil {
		return nil, err
	}
	return b, checkSum(dir, want, h)
}

// Open is Checks{}.Open: the layout only.
func Open(dir string) (*Checkpoint, error) { return Checks{}.Open(dir) }

// Open validates the checkpoint in dir (manifest, sizes, checksums, the
// layout of the variables, k.Content) and loads it. Every file's real size
// is compared with the manifest before it is read, so a file of the wrong
// size is never read at all, and nothing larger than the files' real sizes
// is allocated.
func (k Checks) Open(dir string) (*Checkpoint, error) { return open(dir, true, k.Content) }

func open(dir string, load bool, contentCheck ContentCheck) (*Checkpoint, error) {
	m, err := ReadManifest(dir)
	if err != nil {
		return nil, err
	}
	// Sizes first, all of them: cheap, and a huge file is refused unread.
	files := map[string]*os.File{}
	defer func() {
		for _, f := range files {
			f.Close()
		}
	}()
	for _, name := range []string{MetaFile, VariablesFile, BlobFile} {
		want := m.entry(name)
		f, size, err := openRegular(dir, name)
		if err != nil {
			return nil, err
		}
		files[name] = f
		if size != want.Size {
			return nil, fmt.Errorf("checkpoint %s: %s has %d bytes, manifest says %d: %w", dir, name, size, want.Size, ErrSize)
		}
	}
	c := &Checkpoint{Dir: dir, Manifest: m}
	small := map[string][]byte{}
	for _, name := range []string{MetaFile, VariablesFile} {
		h := sha256.New()
		if small[name], err = readExact(dir, name, files[name], m.entry(name).Size, h); err != nil {
			return nil, err
		}
		if err := checkSum(dir, m.entry(name), h); err != nil {
			return nil, err
		}
	}
	c.Meta = small[MetaFile]
	if err := json.Unmarshal(small[VariablesFile], &c.Variables); err != nil {
		return nil, fmt.Errorf("checkpoint %s: %s: %w: %v", dir, VariablesFile, ErrCorrupt, err)
	}
	if err := checkLayout(dir, c.Variables, m.entry(BlobFile).Size); err != nil {
		return nil, err
	}
	if contentCheck != nil {
		if err := contentCheck(c); err != nil {
			return nil, err
		}
	}
	blobEntry := m.entry(BlobFile)
	h := sha256.New()
	finite := newFiniteCheck(dir, c.Variables)
	if !load {
		n, err := io.Copy(io.MultiWriter(h, finite), io.LimitReader(files[BlobFile], blobEntry.Size+1))
		if err != nil {
			return nil, fmt.Errorf("checkpoint %s: %s: %w", dir, BlobFile, err)
		}
		if n != blobEntry.Size {
			return nil, fmt.Errorf("checkpoint %s: %s has %d bytes, manifest says %d: %w", dir, BlobFile, n, blobEntry.Size, ErrSize)
		}
		if err := checkSum(dir, blobEntry, h); err != nil {
			return nil, err
		}
		return c, finite.err
	}
	blob, err := readExact(dir, BlobFile, files[BlobFile], blobEntry.Size, h)
	if err != nil {
		return nil, err
	}
	if err := checkSum(dir, blobEntry, h); err != nil {
		return nil, err
	}
	// Weights that are NaN or infinite predict nothing: refused like any
	// other damage, naming the variable.
	_, _ = finite.Write(blob) // never fails; finite.err says what it found
	if finite.err != nil {
		return nil, finite.err
	}
	for i := range c.Variables {
		v := &c.Variables[i]
		v.Data = blob[v.Offset : v.Offset+v.Size]
	}
	return c, nil
}

func checkSum(dir string, f FileEntry, h hash.Hash) error {
	if hex.EncodeToString(h.Sum(nil)) != f.SHA256 {
		return fmt.Errorf("checkpoint %s: %s: %w", dir, f.Name, ErrChecksum)
	}
	return nil
}
