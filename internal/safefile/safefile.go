// Package safefile is the one way neurona opens a file it did not write in
// this process: a run folder's summary.json, metrics.jsonl and pictures, a
// sweep's state, a config file, an image to predict. It checks what is at
// the path before opening it, so that a named pipe cannot block a reader, a
// device is never read, and a file larger than the reader's bound is refused
// before anything is allocated for it.
//
// Open and ReadFile follow symbolic links (a user may link a file anywhere);
// OpenIn and ReadFileIn open a name inside an os.Root and never leave it,
// for readers that must stay inside a folder (serve); OpenNoFollow refuses
// a symbolic link, for the files of a folder that must all be inside it (a
// checkpoint's).
//
// Writers use it too: Replaceable says whether a path may be replaced by a
// new file (nothing there, or a regular file, whose mode the new file
// keeps), and OpenFile opens one in place (a lock, an appended log)
// refusing anything else, so that no writer truncates a device, blocks on
// a named pipe or writes through a symbolic link.
//
// It lives under train/ because train is its lowest user (layering: the
// engine never imports internal/).
package safefile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

var (
	// ErrNotRegular: the path holds a directory, named pipe, device,
	// socket or a symbolic link to nothing, not a regular file.
	ErrNotRegular = errors.New("not a regular file")
	// ErrTooLarge: the file is larger than the reader's bound.
	ErrTooLarge = errors.New("file too large")
)

// opener opens a name for reading with the given extra flags; stat follows
// links where the opener does.
type opener struct {
	stat func(name string) (fs.FileInfo, error)
	open func(name string, flag int) (*os.File, error)
}

var local = opener{
	stat: os.Stat,
	open: func(name string, flag int) (*os.File, error) { return os.OpenFile(name, flag, 0) },
}

// noFollow opens without following a symbolic link at the last element of
// the path; links in the folders above it are followed.
var noFollow = opener{
	stat: os.Lstat,
	open: func(name string, flag int) (*os.File, error) { return os.OpenFile(name, flag|oNoFollow, 0) },
}

func inRoot(r *os.Root) opener {
	return opener{
		stat: r.Stat,
		open: func(name string, flag int) (*os.File, error) { return r.OpenFile(name, flag, 0) },
	}
}

// Open opens path for reading if it is a regular file. Anything else gives
// an error wrapping ErrNotRegular that names the path and what was found;
// it is never opened. The file is opened with O_NONBLOCK and checked again
// after opening, so one swapped in between is not read either. The
// FileInfo is that of the open file.
func Open(path string) (*os.File, fs.FileInfo, error) { return local.openRegular(path) }

// OpenIn is Open for a name inside root; it never leaves root.
func OpenIn(root *os.Root, name string) (*os.File, fs.FileInfo, error) {
	return inRoot(root).openRegular(name)
}

// OpenNoFollow is Open for a file that must itself be in its folder: a
// symbolic link at path is refused (ErrNotRegular), wherever it leads.
func OpenNoFollow(path string) (*os.File, fs.FileInfo, error) { return noFollow.openRegular(path) }

// ReadFile reads the regular file at path, refusing one larger than max
// bytes (an error wrapping ErrTooLarge) before reading it.
func ReadFile(path string, max int64) ([]byte, error) { return local.readFile(path, max) }

// ReadFileNoFollow is ReadFile refusing a symbolic link at path, as
// OpenNoFollow does.
func ReadFileNoFollow(path string, max int64) ([]byte, error) { return noFollow.readFile(path, max) }

// ReadFileIn is ReadFile for a name inside root.
func ReadFileIn(root *os.Root, name string, max int64) ([]byte, error) {
	return inRoot(root).readFile(name, max)
}

func (o opener) openRegular(name string) (*os.File, fs.FileInfo, error) {
	st, err := o.stat(name)
	if err != nil {
		return nil, nil, err // *fs.PathError names the file
	}
	if !st.Mode().IsRegular() {
		return nil, nil, NotRegular(name, st.Mode())
	}
	f, err := o.open(name, os.O_RDONLY|syscall.O_NONBLOCK)
	if err != nil {
		return nil, nil, err
	}
	if st, err = sameRegular(name, st, f); err != nil {
		f.Close() // read-only: a close error cannot lose data
		return nil, nil, err
	}
	return f, st, nil
}

// sameRegular checks that the open file f is the regular file st described
// when its path was looked at (one swapped in between is refused too), and
// returns the open file's FileInfo.
func sameRegular(name string, st fs.FileInfo, f *os.File) (fs.FileInfo, error) {
	opened, err := f.Stat()
	switch {
	case err != nil:
		return nil, err
	case !opened.Mode().IsRegular():
		return nil, NotRegular(name, opened.Mode())
	case !os.SameFile(st, opened):
		return nil, fmt.Errorf("%s changed while being opened (want a regular file): %w", name, ErrNotRegular)
	}
	return opened, nil
}

func (o opener) readFile(name string, max int64) ([]byte, error) {
	f, st, err := o.openRegular(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st.Size() > max {
		return nil, tooLarge(name, max)
	}
	// The size may change while reading: read at most max+1 bytes.
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if int64(len(b)) > max {
		return nil, tooLarge(name, max)
	}
	return b, nil
}

func tooLarge(name string, max int64) error {
	return fmt.Errorf("%s is larger than %s: %w", name, Size(max), ErrTooLarge)
}

// Size says a byte count in words: "16 MB", "512 KB", "100 bytes".
func Size(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// NotRegular is the error for a path that holds something other than a
// regular file: it names the path and what is there, and wraps
// ErrNotRegular.
func NotRegular(path string, mode fs.FileMode) error {
	return &notRegularError{path, mode}
}

// notRegularError says what is at path without repeating ErrNotRegular's
// words, which it wraps.
type notRegularError struct {
	path string
	mode fs.FileMode
}

func (e *notRegularError) Error() string {
	if e.mode.IsDir() {
		return e.path + " is a directory, not a regular file"
	}
	return e.path + " " + Describe(e.mode) // "is not a regular file (named pipe)"
}

func (e *notRegularError) Unwrap() error { return ErrNotRegular }

// Describe says what a file of this mode is, as in "X is a directory".
func Describe(mode fs.FileMode) string {
	what := "irregular file"
	switch {
	case mode.IsRegular():
		return "is a regular file"
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
