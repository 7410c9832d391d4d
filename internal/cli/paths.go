package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/neurona/neurona/data"
	"github.com/neurona/neurona/internal/safefile"
)

// missingPathError is a path named on the command line that does not
// exist. Main exits 2 for it, as for any bad command line (see the package
// comment); it wraps fs.ErrNotExist.
type missingPathError struct{ what, path string }

func (e *missingPathError) Error() string {
	return fmt.Sprintf("%s %s does not exist", e.what, e.path)
}

func (e *missingPathError) Unwrap() error { return fs.ErrNotExist }

// needPath returns a missingPathError when path, given on the command line
// as what ("--resume", "--data-dir"), does not exist. Other stat errors are
// left to the code that opens the path, which reports them with context.
func needPath(what, path string) error {
	_, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return &missingPathError{what, path}
	case errors.Is(err, syscall.ELOOP):
		return usagef("%s %s is a loop of symbolic links", what, path)
	}
	return nil
}

// needFolder is needPath for a folder: one that exists but is not a folder
// is a bad command line too.
func needFolder(what, path string) error {
	if err := needPath(what, path); err != nil {
		return err
	}
	if st, err := os.Stat(path); err == nil && !st.IsDir() {
		return usagef("%s %s is not a folder", what, path)
	}
	return nil
}

// locating fills in how opts looks for data on behalf of a command: this
// environment's variables, downloads allowed, and notes on stderr.
func (e *env) locating(opts *data.LocateOptions) {
	opts.Getenv, opts.Download = e.getenv, true
	opts.Logf = e.logf
}

// loadMNIST finds and reads MNIST. A --data-dir that does not exist is a
// bad command line (exit 2); one that exists but does not hold valid MNIST
// files is a failure (exit 1), as for every command.
func loadMNIST(e *env, opts data.LocateOptions) (*data.MNIST, error) {
	if e.data != nil { // a sweep's trial: the sweep's copy
		return e.data.load(opts, func(opts data.LocateOptions) (*data.MNIST, error) { return loadMNISTNow(e, opts) })
	}
	return loadMNISTNow(e, opts)
}

// loadMNISTNow is loadMNIST reading the files.
func loadMNISTNow(e *env, opts data.LocateOptions) (*data.MNIST, error) {
	if opts.DataDir != "" {
		if err := needPath("--data-dir", opts.DataDir); err != nil {
			return nil, err
		}
	}
	m, err := data.Load(e.ctx, opts)
	return m, dataDirError(err)
}

// locateMNIST finds MNIST as loadMNIST does, without reading it: a command
// that writes before its runs load the data (a sweep) refuses data that is
// not there first.
func locateMNIST(e *env, opts data.LocateOptions) error {
	if opts.DataDir != "" {
		if err := needPath("--data-dir", opts.DataDir); err != nil {
			return err
		}
	}
	opts.Getenv, opts.Logf = e.getenv, e.logf
	_, _, err := data.Locate(e.ctx, opts)
	return dataDirError(err)
}

// dataDirError names --data-dir in an error about the folder it gave.
func dataDirError(err error) error {
	if de := new(data.DirError); errors.As(err, &de) && de.Source == data.SourceDataDir {
		return fmt.Errorf("--data-dir %s: %w", de.Dir, de.Err)
	}
	return err
}

// checkOut refuses an output file (flag "--out", path) that is there but
// is not a regular file: neurona replaces the file it writes, and renaming
// over /dev/full, a named pipe, a folder or a symbolic link would replace
// that instead (atomicfile.WriteFile refuses them too; this says so before
// any work is done). A bad command line: exit 2, nothing changed on disk.
func checkOut(flag, path string) error {
	if _, err := safefile.Replaceable(path); errors.Is(err, safefile.ErrNotRegular) {
		st, _ := os.Lstat(path)
		what := "is not a regular file"
		if st != nil {
			what = safefile.Describe(st.Mode())
		}
		return usagef("%s %s %s; want a regular file or a new name (it is replaced by the file written)", flag, path, what)
	}
	return nil
}

// needNewFolder refuses, as a usage error, a folder to create or reuse
// (train's --run-dir) that is something else, or lies under something
// that is not a folder: creating it would fail (exit 1) only after the
// data was read.
func needNewFolder(what, path string) error {
	for p := path; ; {
		st, err := os.Stat(p)
		if err == nil {
			if st.IsDir() {
				return nil
			}
			if p == path {
				return usagef("%s %s is %s, not a folder", what, path, kindOfFile(st.Mode()))
			}
			return usagef("%s %s lies under %s, which is %s, not a folder", what, path, p, kindOfFile(st.Mode()))
		}
		parent := filepath.Dir(p)
		if parent == p {
			return nil
		}
		p = parent
	}
}

// kindOfFile names what a path that is not a folder holds.
func kindOfFile(mode fs.FileMode) string {
	switch {
	case mode.IsRegular():
		return "a file"
	case mode&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case mode&fs.ModeDevice != 0:
		return "a device"
	case mode&fs.ModeSocket != 0:
		return "a socket"
	}
	return "a special file"
}
