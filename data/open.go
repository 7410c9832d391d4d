package data

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/neurona/neurona/internal/safefile"
)

// openRegular opens path for reading if it is a regular file, following
// symbolic links (safefile.Open: type checked before opening, never
// blocking on a named pipe). A symbolic link to nothing is reported as one
// (ErrNotRegular), not as a missing file: something is there.
func openRegular(path string) (*os.File, fs.FileInfo, error) {
	f, st, err := safefile.Open(path)
	if err != nil {
		return nil, nil, danglingLink(path, err)
	}
	return f, st, nil
}

// danglingLink turns the fs.ErrNotExist of following a symbolic link that
// points at nothing into an error saying so, which does not wrap
// fs.ErrNotExist: the link is there. Other errors are returned as they are.
func danglingLink(path string, err error) error {
	if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if st, lerr := os.Lstat(path); lerr == nil && st.Mode()&fs.ModeSymlink != 0 {
		return fmt.Errorf("%s is a symbolic link to a missing file, want a regular file: %w", path, ErrNotRegular)
	}
	return err
}
