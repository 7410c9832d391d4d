package sweep

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"time"

	"github.com/neurona/neurona/internal/atomicfile"
	"github.com/neurona/neurona/internal/safefile"
	"github.com/neurona/neurona/internal/safejson"
	"github.com/neurona/neurona/train/config"
)

// File is the sweep's record in its folder: the plan and every trial's
// result, rewritten after each trial.
const File = "sweep.json"

// version is sweep.json's format version. Version 2 draws --random trials
// in full precision and without repeats; a version 1 grid plans the same
// trials and is read too, a version 1 random search is not.
const version = 2

// maxDepth bounds the nesting of sweep.json, checked before it is parsed:
// the sweep, its trials, a trial, its settings or result, and a spec's
// range make 4 levels.
const maxDepth = 8

// maxFileBytes bounds the sweep.json read back: MaxTrials trials of long
// argument lists fit well within it.
const maxFileBytes = 64 << 20

// Trial statuses.
const (
	Pending     = "pending"     // not started
	Running     = "running"     // started; a kill leaves it so, and --resume continues it
	Finished    = "finished"    // trained and tested
	Failed      = "failed"      // train returned an error; the sweep went on, --resume tries it again unless it diverged
	Interrupted = "interrupted" // stopped by a signal; --resume continues it
)

// Result is what a trial gave.
type Result struct {
	Status         string   `json:"status"`
	BestEpoch      int      `json:"best_epoch,omitempty"`
	ValAccuracy    *float64 `json:"val_accuracy,omitempty"` // best validation accuracy: what the sweep ranks by
	TestAccuracy   *float64 `json:"test_accuracy,omitempty"`
	Epochs         int      `json:"epochs,omitempty"`
	TrainSeconds   float64  `json:"train_seconds,omitempty"`
	WallSeconds    float64  `json:"wall_seconds,omitempty"`
	StoppedBecause string   `json:"stopped_because,omitempty"`
	Error          string   `json:"error,omitempty"`
	// Diverged: the trial failed because its training diverged, which
	// trying again would repeat; --resume retries other failures.
	Diverged bool      `json:"diverged,omitempty"`
	Finished time.Time `json:"finished,omitzero"`
}

// Entry is a trial, how the sweep trains it, and its result.
type Entry struct {
	Trial
	// Group numbers the group the trial trains in, in one program with the
	// other trials of the same number (1, 2, ... in plan order); 0: alone.
	// Planned once, when the sweep starts (Options.Keys), so that a resumed
	// sweep regroups the same trials.
	Group int `json:"group,omitempty"`
	// Shards is the --shards the sweep gives the trial (Options.Shards),
	// chosen once for the whole sweep so that its results do not depend on
	// how many trials train at once; 0: train's own choice.
	Shards int    `json:"shards,omitempty"`
	Result Result `json:"result"`
}

// Sweep is sweep.json: what was asked, the plan and the results.
type Sweep struct {
	Version int       `json:"version"`
	Args    []string  `json:"args"` // the train flags as given
	Spec    Spec      `json:"spec"`
	Swept   []string  `json:"swept"`
	Created time.Time `json:"created"`
	// Jobs is how many trials (or groups) train at once, as last asked
	// (--jobs; 0 in a sweep.json from before it: 1).
	Jobs int `json:"jobs,omitempty"`
	// GroupSize is the most trials planned into one group (--group,
	// resolved: MaxGroup for automatic); 0 or 1: every trial alone.
	GroupSize int     `json:"group_size,omitempty"`
	Trials    []Entry `json:"trials"`

	dir    string
	unlock func() // the folder's lock, held from Create or Open to Close
	// mu serializes the trials' results, sweep.json's writes and the
	// progress lines of trials that train at once.
	mu sync.Mutex
}

// Dir is the sweep's folder.
func (s *Sweep) Dir() string { return s.dir }

// TrialDir is the run folder of trial t.
func (s *Sweep) TrialDir(t Trial) string { return filepath.Join(s.dir, t.Name) }

// Create plans spec in the new sweep folder dir, takes the folder's lock
// and writes its sweep.json; Close releases the lock. A folder that
// already holds a sweep is refused with advice to resume it; another
// non-empty folder is refused too, so that nothing of the user's is mixed
// with trials. Both are checked again once the lock is held, so that of
// two sweeps started in one folder at once only one plans there.
func Create(dir string, spec Spec, args []string, now time.Time) (*Sweep, error) {
	return CreateWith(dir, spec, args, now, Options{})
}

// Options are what a new sweep records besides its plan: how it trains
// its trials.
type Options struct {
	// Jobs is how many trials (or groups) train at once; 0 is 1.
	Jobs int
	// Group is the most trials trained in one group (0 or 1: each alone),
	// Keys[i] trial i's group key (train.GroupKey; "" or Keys nil: alone).
	Group int
	Keys  []string
	// Limits[i] is the most trials trial i's group may hold, fewer than
	// Group where the machine's memory holds no more of its shape
	// (train.MaxMembers); 0 or Limits nil: Group.
	Limits []int
	// Shards[i] is the --shards given to trial i (0 or Shards nil: none).
	Shards []int
}

// CreateWith is Create with opts: the trials' groups and shards are in the
// first sweep.json written.
func CreateWith(dir string, spec Spec, args []string, now time.Time, opts Options) (*Sweep, error) {
	trials, err := spec.Plan()
	if err != nil {
		return nil, err
	}
	if opts.Keys != nil && len(opts.Keys) != len(trials) || opts.Shards != nil && len(opts.Shards) != len(trials) ||
		opts.Limits != nil && len(opts.Limits) != len(trials) {
		return nil, fmt.Errorf("sweep: %d group keys, %d group limits and %d shard counts for %d trials", len(opts.Keys), len(opts.Limits), len(opts.Shards), len(trials))
	}
	if opts.Jobs < 0 || opts.Jobs > MaxJobs || opts.Group < 0 || opts.Group > MaxGroup {
		return nil, fmt.Errorf("sweep: %d jobs and groups of %d (accepted: 0 to %d and 0 to %d)", opts.Jobs, opts.Group, MaxJobs, MaxGroup)
	}
	if err := unused(dir); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create sweep folder: %w", err)
	}
	unlock, err := lock(dir)
	if err != nil {
		return nil, err
	}
	if err := unused(dir); err != nil {
		unlock()
		return nil, err
	}
	s := &Sweep{Version: version, Args: args, Spec: spec, Swept: spec.Swept(), Created: now.UTC(), Jobs: opts.Jobs, dir: dir, unlock: unlock}
	groups := make([]int, len(trials))
	if opts.Keys != nil {
		groups = planGroups(opts.Keys, opts.Group, opts.Limits)
		s.GroupSize = opts.Group
	}
	for i, t := range trials {
		e := Entry{Trial: t, Group: groups[i], Result: Result{Status: Pending}}
		if opts.Shards != nil {
			e.Shards = opts.Shards[i]
		}
		s.Trials = append(s.Trials, e)
	}
	if err := s.Save(); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// unused says why dir cannot hold a new sweep, if it cannot: it holds a
// sweep, or anything else but the lock file a sweep stopped before saving
// its plan left.
func unused(dir string) error {
	if _, err := os.Lstat(filepath.Join(dir, File)); err == nil {
		return fmt.Errorf("%s already holds a sweep; continue it with `neurona sweep --resume %s`, or choose another --out", dir, dir)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil // made by the caller
	}
	for _, e := range entries {
		if e.Name() != ".lock" {
			return fmt.Errorf("%s is not empty; a sweep needs a folder of its own (--out)", dir)
		}
	}
	return nil
}

// Save rewrites sweep.json atomically.
func (s *Sweep) Save() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.save()
}

// save is Save with s.mu held.
func (s *Sweep) save() error {
	b, err := safejson.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("sweep.json: %w", err)
	}
	return atomicfile.WriteFile(filepath.Join(s.dir, File), append(b, '\n'))
}

// trialName is the only shape of a trial's name: its folder under the
// sweep's, never a path out of it.
var trialName = regexp.MustCompile(`^trial-[0-9]{3,5}$`)

// Open takes the lock of the sweep folder dir (refused while another
// process sweeps there) and reads its sweep; Close releases the lock.
// sweep.json is not trusted: its size and nesting are bounded before it is
// parsed, its spec is checked against the package's limits before
// anything is planned from it, its version and trial names are checked,
// and it must plan the same trials as its spec does (the CLI checks each
// trial's flags again with train's parser before running it).
func Open(dir string) (*Sweep, error) {
	path := filepath.Join(dir, File)
	if _, err := os.Lstat(path); errors.Is(err, fs.ErrNotExist) {
		// Checked before locking: the lock would leave a file in a folder
		// that is not a sweep's.
		return nil, fmt.Errorf("%s holds no sweep (no %s): %w", dir, File, err)
	}
	unlock, err := lock(dir)
	if err != nil {
		return nil, err
	}
	s, err := read(dir)
	if err != nil {
		unlock()
		return nil, err
	}
	s.unlock = unlock
	return s, nil
}

// read reads and checks dir's sweep.json.
func read(dir string) (*Sweep, error) {
	path := filepath.Join(dir, File)
	b, err := safefile.ReadFile(path, maxFileBytes)
	if err != nil {
		return nil, err
	}
	if err := checkDepth(b, maxDepth); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	s := &Sweep{dir: dir}
	if err := json.Unmarshal(b, s); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	switch {
	case s.Version == 1 && s.Spec.Random > 0:
		return nil, fmt.Errorf("%s: a random search planned by an older neurona (format 1), which drew its trials otherwise; its trials are ordinary run folders (`neurona runs list %s`); start a new sweep to continue", path, dir)
	case s.Version != version && s.Version != 1:
		return nil, fmt.Errorf("%s: format version %d (this neurona reads %d)", path, s.Version, version)
	}
	s.Version = version
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
		if e.Shards < 0 || e.Shards > config.MaxShards {
			return nil, fmt.Errorf("%s: trial %s has %d shards (accepted: 0 to %d)", path, e.Name, e.Shards, config.MaxShards)
		}
	}
	if s.Jobs < 0 || s.Jobs > MaxJobs {
		return nil, fmt.Errorf("%s: %d jobs (accepted: 0 to %d)", path, s.Jobs, MaxJobs)
	}
	if err := s.checkGroups(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// checkDepth refuses JSON nested deeper than max, scanning its bytes before
// a parser spends time and memory on them.
func checkDepth(b []byte, max int) error {
	depth, inString, escaped := 0, false, false
	for _, c := range b {
		switch {
		case inString && escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case inString:
			inString = c != '"'
		case c == '"':
			inString = true
		case c == '[' || c == '{':
			if depth++; depth > max {
				return fmt.Errorf("nested more than %d deep; not a sweep's record", max)
			}
		case c == ']' || c == '}':
			depth--
		}
	}
	return nil
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
