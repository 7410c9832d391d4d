// Package atomicfile holds the one file-writing protocol every file of a
// run folder uses (summary.json, metrics.jsonl, the pictures, report.html):
// write a temporary file beside the target, fsync it, rename it into place.
// A reader (a browser refreshing report.html, a script tailing summary.json)
// never sees half a file, and a failed write leaves the previous file as it
// was.
//
// It lives under train/ because train is its lowest user; the pictures and
// the report (internal/viz, internal/report), which write into the same run
// folders, import it from there. Checkpoints, whole folders, have their own
// protocol in train/checkpoint.
package atomicfile

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/neurona/neurona/internal/safefile"
)

// WriteFile replaces path with data atomically. A regular file already at
// path keeps its mode (and, where the process may, its owner); a new one is
// made 0644. Anything else at path (a directory, named pipe, device,
// socket, or a symbolic link, which the rename would replace rather than
// follow) is refused with an error wrapping safefile.ErrNotRegular before
// anything is written.
func WriteFile(path string, data []byte) error {
	old, err := safefile.Replaceable(path)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, WithoutPath(err))
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, WithoutPath(err))
	}
	defer os.Remove(tmp.Name()) // no-op once renamed
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, WithoutPath(err))
	}
	// CreateTemp makes the file 0600; run folders are for anyone who may
	// read them, and a file replaced keeps the mode its owner gave it.
	mode := fs.FileMode(0o644)
	if old != nil {
		mode = old.Mode().Perm()
		keepOwner(tmp, old)
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, WithoutPath(err))
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, WithoutPath(err))
	}
	// Look again just before the rename: what was checked above may have
	// been replaced by something that must not be renamed over.
	if _, err := safefile.Replaceable(path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, WithoutPath(err))
	}
	return nil
}

// WithoutPath is err without the path a *fs.PathError or *os.LinkError
// carries: the error underneath (errors.Is still matches it, e.g.
// syscall.ENOSPC). Errors about a temporary file or folder (.tmp-...) use
// it, so that a message names the file the user knows, given by the
// caller's context ("write summary.json: no space left on device"), and
// never a temporary name that no longer exists.
func WithoutPath(err error) error {
	switch e := err.(type) {
	case *fs.PathError:
		return fmt.Errorf("%s: %w", e.Op, e.Err)
	case *os.LinkError:
		return fmt.Errorf("%s: %w", e.Op, e.Err)
	}
	return err
}
