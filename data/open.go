package data

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// openRegular opens path for reading if it is a regular file, following
// symbolic links. A directory, named pipe, device or socket gives an error
// wrapping ErrNotRegular that says what was found; it is never opened, so a
// named pipe cannot block. The file is opened with O_NONBLOCK (no effect on
// a regular file) and checked again after opening, so that one swapped in
// between the two checks is not read either. The returned FileInfo is that
// of the open file.
func openRegular(path string) (*os.File, fs.FileInfo, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, nil, danglingLink(path, err) // *fs.PathError names the file
	}
	if !st.Mode().IsRegular() {
		return nil, nil, notRegular(path, st.Mode())
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, nil, err
	}
	if st, err = f.Stat(); err != nil || !st.Mode().IsRegular() {
		f.Close() // read-only: a close error cannot lose data
		if err != nil {
			return nil, nil, err
		}
		return nil, nil, notRegular(path, st.Mode())
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

// notRegular is the error for a path that holds something other than a
// regular file: it names the path and what is there.
func notRegular(path string, mode fs.FileMode) error {
	return fmt.Errorf("%s %s, want a regular file: %w", path, describeMode(mode), ErrNotRegular)
}

// describeMode says what a non-regular file is, as in "X is a directory".
func describeMode(mode fs.FileMode) string {
	what := "irregular file"
	switch {
	case mode.IsDir():
		return "is a directory"
	case mode&fs.ModeNamedPipe != 0:
		what = "named pipe"
	case mode&fs.ModeCharDevice != 0:
		what = "character device"
	case mode&fs.ModeDevice != 0:
		what = "device"
	case mode&fs.ModeSocket != 0:
		what = "socket"
	case mode&fs.ModeSymlink != 0:
		what = "symbolic link"
	}
	return "is not a regular file (" + what + ")"
}
