// Package runs finds the run folders below a folder and describes them:
// `neurona runs list` and `neurona runs compare`.
package runs

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/neurona/neurona/train/runfolder"
)

// maxDepth bounds the search, so that `runs list /` ends.
const maxDepth = 6

// MaxListed is how many runs Find describes at most. Sorting (by accuracy,
// say) needs every listed run described in memory, and describing one
// reads its summary.json: past MaxListed, runs are only counted
// (Listing.LeftOut), so memory stays bounded whatever the folder holds.
const MaxListed = 10_000

// Listing is what Find found below a folder.
type Listing struct {
	// Runs are the first MaxListed run folders by path.
	Runs []Run
	// LeftOut counts the run folders found after the first MaxListed.
	LeftOut int
	// Unreadable says, one line each, which folders below the root could
	// not be read (and why): runs in them may be missing from the list.
	Unreadable []string
}

// Run is one run folder as `runs list` shows it.
type Run struct {
	Dir            string    `json:"dir"`
	Name           string    `json:"name"` // its path below the folder searched
	Status         string    `json:"status"`
	Model          string    `json:"model,omitempty"`
	Optimizer      string    `json:"optimizer,omitempty"`
	LR             float64   `json:"lr,omitempty"`
	BatchSize      int       `json:"batch_size,omitempty"`
	Epochs         int       `json:"epochs"`
	BestVal        *float64  `json:"best_val_accuracy,omitempty"`
	Test           *float64  `json:"test_accuracy,omitempty"`
	TrainSeconds   float64   `json:"train_seconds"`
	Backend        string    `json:"backend,omitempty"`
	StartedAt      time.Time `json:"started_at,omitzero"`
	StoppedBecause string    `json:"stopped_because,omitempty"`
	// Problem says what is wrong with the run's files ("" if nothing): a
	// summary.json that cannot be read, or values in it or in
	// metrics.jsonl that no run writes. It names the file.
	Problem string `json:"problem,omitempty"`
	// Invalid names (by their JSON names) the fields whose values were
	// refused: they are left empty, and lists show Invalid for them.
	Invalid []string           `json:"invalid,omitempty"`
	Summary *runfolder.Summary `json:"-"`
}

// isRun reports whether dir is a run folder: it holds what train writes.
func isRun(dir string) bool {
	for _, f := range []string{"summary.json", "metrics.jsonl", "checkpoints"} {
		if _, err := os.Lstat(filepath.Join(dir, f)); err == nil {
			return true
		}
	}
	return false
}

// Find returns the run folders below root (root itself if it is one),
// without following symbolic links below root or descending into a run
// folder. root itself may be a link (runs/ linked to a larger disk is
// common): it is resolved once, and the runs found are named below root as
// given.
func Find(root string) (Listing, error) { return find(root, MaxListed) }

// find is Find describing at most limit runs.
func find(root string, limit int) (Listing, error) {
	var l Listing
	st, err := os.Stat(root)
	if err != nil {
		return l, err // a loop of links is ELOOP, which the CLI calls a path of the wrong kind
	}
	if !st.IsDir() {
		return l, fmt.Errorf("%s is not a folder: %w", root, syscall.ENOTDIR)
	}
	resolved, err := filepath.EvalSymlinks(root)
	if err != nil {
		return l, err
	}
	locks := HeldLocks()
	err = filepath.WalkDir(resolved, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path == resolved {
				return err
			}
			var pe *fs.PathError
			if errors.As(err, &pe) {
				err = pe.Err // the path is said once
			}
			l.Unreadable = append(l.Unreadable, fmt.Sprintf("%s: cannot be read, its runs are not listed: %v", path, err))
			return fs.SkipDir
		}
		if !d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(resolved, path)
		if rel != "." && strings.Count(rel, string(filepath.Separator)) >= maxDepth {
			return fs.SkipDir
		}
		if d.Name() == "checkpoints" || strings.HasPrefix(d.Name(), ".") && path != resolved {
			return fs.SkipDir
		}
		if !isRun(path) {
			return nil
		}
		if len(l.Runs) >= limit {
			l.LeftOut++
			return fs.SkipDir
		}
		name := rel
		if rel == "." {
			name = filepath.Base(filepath.Clean(root))
		}
		l.Runs = append(l.Runs, describe(filepath.Join(root, rel), name, locks))
		return fs.SkipDir
	})
	return l, err
}

// Describe reads the run folder dir; name is how lists show it.
func Describe(dir, name string) Run {
	return describe(dir, name, HeldLocks())
}

// describe is Describe with HeldLocks' snapshot, taken once per list.
//
// A summary.json that cannot be read, or that holds values no run writes,
// makes the run Damaged and says why in Problem; what its metrics.jsonl
// and newest checkpoint say is still shown.
func describe(dir, name string, locks Locks) Run {
	r := Run{Dir: dir, Name: name}
	file := filepath.Join(dir, runfolder.SummaryFile)
	s, err := runfolder.ReadSummary(dir)
	switch {
	case err == nil:
		r.Summary = s
		r.fromSummary(s, file)
	case errors.Is(err, fs.ErrNotExist):
		s = nil
	default:
		s = nil
		r.Problem = fmt.Sprintf("%s: cannot be read: %v", file, err)
	}
	if s == nil {
		unreadable := r.Problem
		if m, _, err := runfolder.ReadMetrics(filepath.Join(dir, "metrics.jsonl")); err == nil {
			r.fromMetrics(m, filepath.Join(dir, "metrics.jsonl"))
		}
		if c, ok := liveConfig(dir); ok {
			r.Model, r.Optimizer, r.LR, r.BatchSize = c.Model.String(), c.Optimizer, c.LR, c.BatchSize
		}
		if unreadable != "" {
			r.Problem = unreadable
		}
	}
	stat := func(name string) (fs.FileInfo, error) { return os.Lstat(filepath.Join(dir, name)) }
	r.Status = Status(s, BeingTrainedNow(locks, stat, s != nil))
	if r.Problem != "" && r.Status != Training {
		r.Status = Damaged
	}
	return r
}

// SortKeys are the orders Sort accepts.
var SortKeys = []string{"name", "started", "val", "test", "time"}

// ErrSortKey: an order Sort does not know.
var ErrSortKey = errors.New("runs: unknown sort key")

// Sort orders runs by key: name and started ascending, accuracies best
// first (runs without one last), time shortest first.
func Sort(runs []Run, key string) error {
	acc := func(a, b *float64) int {
		switch {
		case a == nil && b == nil:
			return 0
		case a == nil:
			return 1
		case b == nil:
			return -1
		}
		return cmp.Compare(*b, *a)
	}
	var f func(a, b Run) int
	switch key {
	case "name":
		f = func(a, b Run) int { return strings.Compare(a.Name, b.Name) }
	case "started":
		f = func(a, b Run) int { return a.StartedAt.Compare(b.StartedAt) }
	case "val":
		f = func(a, b Run) int { return acc(a.BestVal, b.BestVal) }
	case "test":
		f = func(a, b Run) int { return acc(a.Test, b.Test) }
	case "time":
		f = func(a, b Run) int { return cmp.Compare(a.TrainSeconds, b.TrainSeconds) }
	default:
		return fmt.Errorf("%w %q (accepted: %s)", ErrSortKey, key, strings.Join(SortKeys, ", "))
	}
	slices.SortStableFunc(runs, func(a, b Run) int {
		if c := f(a, b); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	return nil
}
