package safefile

import (
	"errors"
	"io/fs"
	"os"
	"syscall"
)

// Replaceable checks that path may be replaced by a new file: nothing is
// there (nil, nil), or a regular file, whose FileInfo it returns so that
// the new file can keep its mode. A directory, named pipe, device, socket
// or symbolic link gives an error wrapping ErrNotRegular: renaming over
// /dev/full would replace the device, and over a link would replace the
// link, not the file it names. Links in the folders above path are
// followed.
func Replaceable(path string) (fs.FileInfo, error) {
	st, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, nil
	case err != nil:
		return nil, err
	case !st.Mode().IsRegular():
		return nil, NotRegular(path, st.Mode())
	}
	return st, nil
}

// OpenFile opens path with flag (os.O_WRONLY, os.O_RDWR, os.O_CREATE,
// os.O_APPEND...) and perm as os.OpenFile does, if nothing is there or a
// regular file is: a named pipe (which would block the opener), a device,
// a directory or a symbolic link gives an error wrapping ErrNotRegular and
// is never opened. For a file written in place (a lock, a log appended to).
func OpenFile(path string, flag int, perm fs.FileMode) (*os.File, error) {
	st, err := Replaceable(path)
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, flag|syscall.O_NONBLOCK|oNoFollow, perm)
	if err != nil {
		if errors.Is(err, syscall.ELOOP) {
			return nil, NotRegular(path, fs.ModeSymlink)
		}
		return nil, err
	}
	if st == nil { // created now, or by someone else meanwhile: look at what was opened
		if st, err = f.Stat(); err != nil {
			f.Close()
			return nil, err
		}
	}
	if _, err := sameRegular(path, st, f); err != nil {
		f.Close() // nothing written yet
		return nil, err
	}
	return f, nil
}
