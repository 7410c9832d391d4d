package checkpoint

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/neurona/neurona/internal/atomicfile"
	"github.com/neurona/neurona/internal/safefile"
)

// Names of the pointer files a Manager keeps in a run's checkpoints/
// folder: each holds the name of a checkpoint folder beside it.
//
// They are small regular files, not symlinks, on purpose. Every reader of a
// checkpoint refuses symlinks (List skips them, Open refuses any in the
// folder): a link can point anywhere, so a run folder received from someone
// else could send eval to a folder outside it. A pointer file holds a name
// that must be one Save writes (ckpt- and 9 digits), so it can only name a
// sibling checkpoint, which is then opened and checked as any other. It is
// replaced atomically (atomicfile: a temporary file, then a rename), and it
// survives copies (zip, object stores) that drop or follow links.
const (
	BestPointer = "best" // the checkpoint with the best BestMetric
	LastPointer = "last" // the newest valid checkpoint
)

// maxPointerBytes bounds a pointer file: a name and a newline.
const maxPointerBytes = 64

// ErrPointer is wrapped by the errors of a pointer file that does not name
// a checkpoint there.
var ErrPointer = errors.New("checkpoint: bad pointer file")

// IsPointer reports whether path names a pointer file (best or last) that
// exists as a regular file (a symlink of that name is not one).
func IsPointer(path string) bool {
	base := filepath.Base(filepath.Clean(path))
	if base != BestPointer && base != LastPointer {
		return false
	}
	fi, err := os.Lstat(path)
	return err == nil && fi.Mode().IsRegular()
}

// ReadPointer returns the checkpoint folder the pointer file at path names:
// a folder beside it. The file is read through safefile (type checked
// before opening, bounded); a name that is not one Save writes, or a
// checkpoint that is gone, is an error wrapping ErrPointer.
func ReadPointer(path string) (string, error) {
	raw, err := safefile.ReadFileNoFollow(path, maxPointerBytes) // never a link out of the run
	if err != nil {
		return "", fmt.Errorf("checkpoint pointer %s: %w", path, err)
	}
	name := strings.TrimSpace(string(raw))
	if _, ok := StepOfName(name); !ok {
		return "", fmt.Errorf("%w: %s does not hold a checkpoint name (ckpt- and 9 digits)", ErrPointer, path)
	}
	dir := filepath.Join(filepath.Dir(path), name)
	fi, err := os.Lstat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "", fmt.Errorf("%w: %s names %s, which is gone", ErrPointer, path, name)
	case err != nil:
		return "", fmt.Errorf("checkpoint pointer %s: %w", path, err)
	case !fi.IsDir():
		return "", fmt.Errorf("%w: %s names %s, which %s, not a checkpoint folder", ErrPointer, path, name, safefile.Describe(fi.Mode()))
	}
	return dir, nil
}

// writePointers points best and last at the checkpoints of infos (a
// List of m.Dir, fully checked), removing a pointer that has nothing to
// point at (no valid checkpoint, no BestMetric).
func (m *Manager) writePointers(infos []Info) error {
	last := ""
	for _, info := range infos {
		if info.Err == nil {
			last = info.Dir
		}
	}
	for name, dir := range map[string]string{LastPointer: last, BestPointer: best(infos, m.BestMetric)} {
		path := filepath.Join(m.Dir, name)
		if dir == "" {
			if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("remove %s: %w", path, err)
			}
			continue
		}
		if err := atomicfile.WriteFile(path, []byte(filepath.Base(dir)+"\n")); err != nil {
			return err
		}
	}
	return nil
}
