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

	"github.com/neurona/neurona/train"
)

// maxDepth and maxRuns bound the search, so that `runs list /` ends.
const (
	maxDepth = 6
	maxRuns  = 10_000
)

// Run is one run folder as `runs list` shows it.
type Run struct {
	Dir            string         `json:"dir"`
	Name           string         `json:"name"` // its path below the folder searched
	Status         string         `json:"status"`
	Model          string         `json:"model,omitempty"`
	Optimizer      string         `json:"optimizer,omitempty"`
	LR             float64        `json:"lr,omitempty"`
	BatchSize      int            `json:"batch_size,omitempty"`
	Epochs         int            `json:"epochs"`
	BestVal        *float64       `json:"best_val_accuracy,omitempty"`
	Test           *float64       `json:"test_accuracy,omitempty"`
	TrainSeconds   float64        `json:"train_seconds"`
	Backend        string         `json:"backend,omitempty"`
	StartedAt      time.Time      `json:"started_at,omitzero"`
	StoppedBecause string         `json:"stopped_because,omitempty"`
	Summary        *train.Summary `json:"-"`
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
func Find(root string) ([]Run, error) {
	st, err := os.Stat(root)
	if err != nil {
		return nil, err // a loop of links is ELOOP, which the CLI calls a path of the wrong kind
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("%s is not a folder: %w", root, syscall.ENOTDIR)
	}
	resolved, err := filepath.EvalSymlinks(root)
	if err != nil {
		return nil, err
	}
	var out []Run
	locks := HeldLocks()
	err = filepath.WalkDir(resolved, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path == resolved {
				return err
			}
			return fs.SkipDir // unreadable: not ours to report
		}
		if !d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(resolved, path)
		if rel != "." && strings.Count(rel, string(filepath.Separator)) >= maxDepth {
			return fs.SkipDir
		}
		if d.Name() == "checkpoints" || strings.HasPrefix(d.Name(), ".") && path != root {
			return fs.SkipDir
		}
		if !isRun(path) {
			return nil
		}
		if len(out) >= maxRuns {
			return fmt.Errorf("more than %d runs below %s", maxRuns, root)
		}
		name := rel
		if rel == "." {
			name = filepath.Base(filepath.Clean(root))
		}
		out = append(out, describe(filepath.Join(root, rel), name, locks))
		return fs.SkipDir
	})
	return out, err
}

// Describe reads the run folder dir; name is how lists show it.
func Describe(dir, name string) Run {
	return describe(dir, name, HeldLocks())
}

// describe is Describe with HeldLocks' snapshot, taken once per list.
func describe(dir, name string, locks Locks) Run {
	r := Run{Dir: dir, Name: name}
	s, err := train.ReadSummary(dir)
	if err != nil {
		s = nil
		if m, _, err := train.ReadMetrics(filepath.Join(dir, "metrics.jsonl")); err == nil && len(m) > 0 {
			r.Epochs, r.TrainSeconds = m[len(m)-1].Epoch, m[len(m)-1].ElapsedSeconds
			for _, e := range m {
				if e.ValAccuracy != nil && (r.BestVal == nil || *e.ValAccuracy > *r.BestVal) {
					v := *e.ValAccuracy
					r.BestVal = &v
				}
			}
		}
		if c, ok := liveConfig(dir); ok {
			r.Model, r.Optimizer, r.LR, r.BatchSize = c.Model.String(), c.Optimizer, c.LR, c.BatchSize
		}
	} else {
		h := s.Hyperparameters
		r.Summary, r.Model, r.Optimizer, r.LR, r.BatchSize = s, s.Model.String(), h.Optimizer, h.LR, h.BatchSize
		r.Epochs, r.BestVal, r.Test, r.TrainSeconds, r.Backend = s.Epochs, s.BestValAccuracy, s.TestAccuracy, s.TrainSeconds, s.Backend
		r.StartedAt, r.StoppedBecause = s.StartedAt, s.StoppedBecause
		if r.BestVal == nil {
			r.BestVal = s.ValAccuracy
		}
	}
	stat := func(name string) (fs.FileInfo, error) { return os.Lstat(filepath.Join(dir, name)) }
	r.Status = Status(s, BeingTrainedNow(locks, stat, s != nil))
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
