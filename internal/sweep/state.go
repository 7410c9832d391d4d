package sweep

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"time"

	"github.com/neurona/neurona/train/atomicfile"
	"github.com/neurona/neurona/train/safefile"
	"github.com/neurona/neurona/train/safejson"
)

// File is the sweep's record in its folder: the plan and every trial's
// result, rewritten after each trial.
const File = "sweep.json"

// version is sweep.json's format version.
const version = 1

// maxFileBytes bounds the sweep.json read back: MaxTrials trials of long
// argument lists fit well within it.
const maxFileBytes = 64 << 20

// Trial statuses.
const (
	Pending     = "pending"     // not started
	Running     = "running"     // started; a kill leaves it so, and --resume continues it
	Finished    = "finished"    // trained and tested
	Failed      = "failed"      // train returned an error (e.g. diverged); the sweep went on
	Interrupted = "interrupted" // stopped by a signal; --resume continues it
)

// Result is what a trial gave.
type Result struct {
	Status         string    `json:"status"`
	BestEpoch      int       `json:"best_epoch,omitempty"`
	ValAccuracy    *float64  `json:"val_accuracy,omitempty"` // best validation accuracy: what the sweep ranks by
	TestAccuracy   *float64  `json:"test_accuracy,omitempty"`
	Epochs         int       `json:"epochs,omitempty"`
	TrainSeconds   float64   `json:"train_seconds,omitempty"`
	WallSeconds    float64   `json:"wall_seconds,omitempty"`
	StoppedBecause string    `json:"stopped_because,omitempty"`
	Error          string    `json:"error,omitempty"`
	Finished       time.Time `json:"finished,omitzero"`
}

// Entry is a trial and its result.
type Entry struct {
	Trial
	Result Result `json:"result"`
}

// Sweep is sweep.json: what was asked, the plan and the results.
type Sweep struct {
	Version int       `json:"version"`
	Args    []string  `json:"args"` // the train flags as given
	Spec    Spec      `json:"spec"`
	Swept   []string  `json:"swept"`
	Created time.Time `json:"created"`
	Trials  []Entry   `json:"trials"`

	dir string
}

// Dir is the sweep's folder.
func (s *Sweep) Dir() string { return s.dir }

// TrialDir is the run folder of trial t.
func (s *Sweep) TrialDir(t Trial) string { return filepath.Join(s.dir, t.Name) }

// Create plans spec in the new sweep folder dir and writes its sweep.json.
// A folder that already holds a sweep is refused with advice to resume it;
// another non-empty folder is refused too, so that nothing of the user's
// is mixed with trials.
func Create(dir string, spec Spec, args []string, now time.Time) (*Sweep, error) {
	trials, err := spec.Plan()
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(dir, File)); err == nil {
		return nil, fmt.Errorf("%s already holds a sweep; continue it with `neurona sweep --resume %s`, or choose another --out", dir, dir)
	}
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return nil, fmt.Errorf("%s is not empty; a sweep needs a folder of its own (--out)", dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create sweep folder: %w", err)
	}
	s := &Sweep{Version: version, Args: args, Spec: spec, Swept: spec.Swept(), Created: now.UTC(), dir: dir}
	for _, t := range trials {
		s.Trials = append(s.Trials, Entry{Trial: t, Result: Result{Status: Pending}})
	}
	return s, s.Save()
}

// Save rewrites sweep.json atomically.
func (s *Sweep) Save() error {
	b, err := safejson.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("sweep.json: %w", err)
	}
	return atomicfile.WriteFile(filepath.Join(s.dir, File), append(b, '\n'))
}

// trialName is the only shape of a trial's name: its folder under the
// sweep's, never a path out of it.
var trialName = regexp.MustCompile(`^trial-[0-9]{3,5}$`)

// Open reads the sweep in dir. sweep.json is not trusted: its size is
// bounded, its version and trial names checked, and it must plan the same
// trials as its spec does (the CLI checks each trial's flags again with
// train's parser before running it).
func Open(dir string) (*Sweep, error) {
	path := filepath.Join(dir, File)
	f, _, err := safefile.Open(path) // a named pipe would block, a device never end
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s holds no sweep (no %s): %w", dir, File, err)
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(b) > maxFileBytes {
		return nil, fmt.Errorf("%s: larger than %d MB", path, maxFileBytes>>20)
	}
	s := &Sweep{dir: dir}
	if err := json.Unmarshal(b, s); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if s.Version != version {
		return nil, fmt.Errorf("%s: format version %d (this neurona reads %d)", path, s.Version, version)
	}
	planned, err := s.Spec.Plan()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(planned) != len(s.Trials) {
		return nil, fmt.Errorf("%s: %d trials, but its spec plans %d", path, len(s.Trials), len(planned))
	}
	for i, e := range s.Trials {
		if !trialName.MatchString(e.Name) || e.Name != planned[i].Name || !equal(e.Args, planned[i].Args) {
			return nil, fmt.Errorf("%s: trial %d (%q) is not the one its spec plans", path, i+1, e.Name)
		}
		switch e.Result.Status {
		case Pending, Running, Finished, Failed, Interrupted:
		default:
			return nil, fmt.Errorf("%s: trial %s has status %q", path, e.Name, e.Result.Status)
		}
	}
	return s, nil
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
