package serve

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"unicode"
	"unicode/utf8"

	"github.com/neurona/neurona/internal/safefile"
	"github.com/neurona/neurona/train/checkpoint"
)

// Files of a run folder that the server reads (train writes them).
const (
	summaryFile    = "summary.json"
	metricsFile    = "metrics.jsonl"
	lockFile       = ".lock"
	checkpointsDir = "checkpoints"
)

// pictures are the files of a run folder served as they are, in the order
// a run's page shows them. train and eval draw them once the run is tested.
var pictures = []string{"confusion.png", "misclassified.png", "curves.png"}

// Bounds on what is read of a run folder: train writes a summary of a few
// kilobytes and a meta.json of a few more (64 KiB with 256 class names);
// pictures of a few hundred kilobytes (a 256-class confusion matrix is the
// largest).
const (
	maxNameBytes    = 255 // a file name on every common file system
	maxJSONBytes    = 1 << 20
	maxPictureBytes = 64 << 20
)

// Errors of opening a run, mapped to HTTP statuses by statusOf.
var (
	errBadName = errors.New("bad run name")
	errNoRun   = errors.New("no such run")
	errSymlink = errors.New("a symbolic link, which the server does not follow")
)

// checkName accepts the name of a run: one path element, not hidden (which
// also refuses "." and ".."), printable UTF-8, at most 255 bytes. The
// folder it names is checked when opened (openRun).
func checkName(name string) error {
	why := ""
	switch {
	case name == "":
		why = "empty"
	case len(name) > maxNameBytes:
		why = fmt.Sprintf("longer than %d bytes", maxNameBytes)
	case !utf8.ValidString(name):
		why = "not UTF-8"
	case strings.HasPrefix(name, "."):
		why = `starts with "."`
	case strings.ContainsAny(name, `/\`):
		why = "holds a path separator"
	case strings.IndexFunc(name, func(r rune) bool { return !unicode.IsPrint(r) && r != ' ' }) >= 0:
		why = "holds a control character"
	}
	if why != "" {
		return fmt.Errorf("%w %q: %s (a run is a folder directly under the served folder)", errBadName, name, why)
	}
	return nil
}

// run is one run folder, opened for reading through an os.Root: no name
// opened through it, symbolic links included, can leave the folder.
type run struct {
	name string
	path string // the folder, for the model loader
	root *os.Root
}

// openRun opens the run folder name directly under dir (opened as dirRoot),
// or the run of a sweep's trial, "SWEEP/TRIAL" (see openTrial).
// A name that is not a folder, is a symbolic link (served folders do not
// follow links, wherever they lead) or holds nothing train writes is
// errNoRun. The caller must close the run.
func openRun(dirRoot *os.Root, dir, name string) (*run, error) {
	if sweep, trial, ok := isTrialName(name); ok {
		return openTrial(dirRoot, dir, sweep, trial)
	}
	if err := checkName(name); err != nil {
		return nil, err
	}
	fi, err := dirRoot.Lstat(name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("%w %q", errNoRun, name)
	case err != nil:
		return nil, fmt.Errorf("run %q: %w", name, err)
	case fi.Mode()&fs.ModeSymlink != 0:
		return nil, fmt.Errorf("%w %q (it is a symbolic link, which the server does not follow)", errNoRun, name)
	case !fi.IsDir():
		return nil, fmt.Errorf("%w %q (not a folder)", errNoRun, name)
	}
	root, err := dirRoot.OpenRoot(name)
	if err != nil {
		return nil, fmt.Errorf("run %q: %w", name, err)
	}
	r := &run{name: name, path: filepath.Join(dir, name), root: root}
	if !r.isRun() {
		r.close()
		return nil, fmt.Errorf("%w %q (the folder holds no %s, %s or %s/)", errNoRun, name, metricsFile, summaryFile, checkpointsDir)
	}
	return r, nil
}

func (r *run) close() { _ = r.root.Close() } // read only: nothing to lose

// isRun reports whether the folder holds what train writes first.
func (r *run) isRun() bool {
	for _, name := range []string{metricsFile, summaryFile, checkpointsDir} {
		if _, err := r.root.Lstat(name); err == nil {
			return true
		}
	}
	return false
}

// stat is Lstat of a file of the run; a symbolic link is refused.
func (r *run) stat(name string) (fs.FileInfo, error) {
	fi, err := r.root.Lstat(name)
	if err != nil {
		return nil, err
	}
	if fi.Mode()&fs.ModeSymlink != 0 {
		return nil, fmt.Errorf("%s/%s is %w", r.name, name, errSymlink)
	}
	return fi, nil
}

// open opens a regular file of the run of at most limit bytes. What is at
// the name is looked at before it is opened (safefile.OpenIn): opening a
// named pipe would hold the request, its goroutine and an OS thread until
// a writer came, and every request for it would add one more.
func (r *run) open(name string, limit int64) (*os.File, fs.FileInfo, error) {
	if _, err := r.stat(name); err != nil {
		return nil, nil, err
	}
	f, fi, err := safefile.OpenIn(r.root, name)
	if err != nil {
		return nil, nil, fmt.Errorf("run %s: %w", r.name, err)
	}
	if fi.Size() > limit {
		err = fmt.Errorf("%s/%s is %d bytes, more than neurona writes (at most %d)", r.name, name, fi.Size(), limit)
	}
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, fi, nil
}

// readFile reads a regular file of the run of at most limit bytes.
func (r *run) readFile(name string, limit int64) ([]byte, fs.FileInfo, error) {
	f, fi, err := r.open(name, limit)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, nil, fmt.Errorf("read %s/%s: %w", r.name, name, err)
	}
	if int64(len(b)) > limit {
		return nil, nil, fmt.Errorf("%s/%s grew past %d bytes", r.name, name, limit)
	}
	return b, fi, nil
}

// readJSON decodes a JSON file of the run into v. A missing file gives an
// error wrapping fs.ErrNotExist.
func (r *run) readJSON(name string, v any) (fs.FileInfo, error) {
	b, fi, err := r.readFile(name, maxJSONBytes)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return nil, fmt.Errorf("%s/%s: %w", r.name, name, err)
	}
	return fi, nil
}

// checkpointsSafe refuses a run whose checkpoints/ or summary.json, which
// the model loader reads by path, is a symbolic link: the loader would
// follow it out of the folder. (checkpoint.List skips checkpoint folders
// that are links, and checkpoint.Open opens their files without following
// links.)
func (r *run) checkpointsSafe() error {
	for _, name := range []string{checkpointsDir, summaryFile} {
		if _, err := r.stat(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return nil
}

// newestCheckpoint returns the name of the newest checkpoint folder (by
// the step its name says), or "" when there is none. A checkpoints/
// folder that cannot be read is an error, not "no checkpoint".
func (r *run) newestCheckpoint() (string, error) {
	fi, err := r.stat(checkpointsDir)
	if errors.Is(err, fs.ErrNotExist) || err == nil && !fi.IsDir() {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("run %s: %s/ cannot be read: %w", r.name, checkpointsDir, err)
	}
	// O_DIRECTORY: a named pipe swapped in since the Lstat is refused,
	// not waited on.
	d, err := r.root.OpenFile(checkpointsDir, os.O_RDONLY|syscall.O_DIRECTORY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return "", fmt.Errorf("run %s: %s/ cannot be read: %w", r.name, checkpointsDir, err)
	}
	defer d.Close()
	entries, err := d.ReadDir(-1)
	if err != nil {
		return "", fmt.Errorf("run %s: %s/ cannot be read: %w", r.name, checkpointsDir, err)
	}
	best, bestStep := "", -1
	for _, e := range entries {
		step, ok := checkpoint.StepOfName(e.Name())
		if ok && e.IsDir() && step > bestStep { // ReadDir's IsDir does not follow links
			best, bestStep = e.Name(), step
		}
	}
	return best, nil
}
