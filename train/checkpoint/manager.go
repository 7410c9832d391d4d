package checkpoint

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/neurona/neurona/internal/atomicfile"
)

// Info describes one checkpoint folder found in a run.
type Info struct {
	Dir      string
	Manifest Manifest // zero if Err != nil and the manifest did not parse
	Size     int64    // bytes on disk
	Err      error    // nil if the checkpoint is valid (only checked by List(dir, true))
}

// List returns the checkpoints in dir (a run's checkpoints/ folder) in
// order of global step. Only folders named as Save names them (ckpt- and 9
// digits, not symlinks) are checkpoints: anything else there (a user's
// copy, a backup, temporary folders) is ignored, and so never opened,
// counted or deleted. Checkpoints are ordered by the step of their manifest
// (ReadManifest makes sure it is the one their name says), then by name.
// With verify, each is fully checked as Verify does; otherwise only its
// manifest is read.
func List(dir string, verify bool) ([]Info, error) { return Checks{}.List(dir, verify) }

// List is the package's List, verifying with k's checks.
func (k Checks) List(dir string, verify bool) ([]Info, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, nil
		}
		return nil, err
	}
	var out []Info
	steps := map[string]int{}
	for _, e := range entries {
		step, ok := StepOfName(e.Name())
		if !e.IsDir() || !ok { // ReadDir's IsDir does not follow symlinks
			continue
		}
		info := Info{Dir: filepath.Join(dir, e.Name())}
		if verify {
			info.Manifest, info.Err = k.Verify(info.Dir)
		} else {
			info.Manifest, info.Err = ReadManifest(info.Dir)
		}
		if info.Err == nil {
			step = info.Manifest.Step
		}
		steps[info.Dir] = step
		info.Size = dirSize(info.Dir)
		out = append(out, info)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if si, sj := steps[out[i].Dir], steps[out[j].Dir]; si != sj {
			return si < sj
		}
		return out[i].Dir < out[j].Dir
	})
	return out, nil
}

func dirSize(dir string) int64 {
	var n int64
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if fi, err := e.Info(); err == nil {
			n += fi.Size()
		}
	}
	return n
}

// Latest opens the newest valid checkpoint in dir. The errors of newer,
// invalid ones are returned as skipped, so the caller can report them.
func Latest(dir string) (c *Checkpoint, skipped []error, err error) { return Checks{}.Latest(dir) }

// Latest is the package's Latest, opening with k's checks.
func (k Checks) Latest(dir string) (c *Checkpoint, skipped []error, err error) {
	infos, err := List(dir, false)
	if err != nil {
		return nil, nil, err
	}
	for i := len(infos) - 1; i >= 0; i-- {
		c, err := k.Open(infos[i].Dir)
		if err == nil {
			return c, skipped, nil
		}
		skipped = append(skipped, err)
	}
	return nil, skipped, fmt.Errorf("%s: %w", dir, ErrNone)
}

// Manager saves a run's checkpoints and applies its retention policy.
type Manager struct {
	Dir      string // the run's checkpoints/ folder
	KeepLast int    // newest valid checkpoints kept (at least 1)
	// BestMetric names the manifest metric whose highest value is kept
	// whatever KeepLast says ("" keeps no best).
	BestMetric string
	// Protect is never deleted (e.g. the checkpoint a run resumed from).
	Protect string

	opts     ManagerOptions
	w        writer
	verified map[string]bool // checkpoints this Manager wrote or fully checked
}

// ManagerOptions are what a Manager reports to and checks with; the zero
// value reports nothing and checks the layout only.
type ManagerOptions struct {
	// Stage is told each stage of a save, a prune or the cleaning of
	// interrupted saves as it is reached ("save ckpt-000000012: renamed",
	// "prune: removing ckpt-000000009", "clean: removing .tmp-..."): the
	// points at which a crash test kills a run.
	Stage func(stage string)
	// Warn is told what a save worked around (a *SetAside).
	Warn func(warning error)
	// Check is what a checkpoint is checked with before it is kept or
	// replaced (Checks.Content).
	Check ContentCheck
}

func (o ManagerOptions) stage(s string) {
	if o.Stage != nil {
		o.Stage(s)
	}
}

// NewManager removes leftover temporary folders in dir and returns a Manager.
func NewManager(dir string, keepLast int, bestMetric string, opts ManagerOptions) (*Manager, error) {
	if err := cleanTemp(dir, opts.stage); err != nil {
		return nil, fmt.Errorf("clean interrupted saves in %s: %w", dir, err)
	}
	return &Manager{Dir: dir, KeepLast: max(keepLast, 1), BestMetric: bestMetric, opts: opts, w: osWriter{}}, nil
}

// Save writes snap and then prunes older checkpoints. A failed save leaves
// every existing checkpoint as it was.
func (m *Manager) Save(snap Snapshot) (path string, size int64, err error) {
	path, size, err = save(m.Dir, snap, m.w, m.opts)
	if err != nil {
		return "", 0, err
	}
	m.trust(path)
	if _, err := m.Prune(); err != nil {
		return path, size, fmt.Errorf("prune checkpoints: %w", err)
	}
	return path, size, nil
}

// Best returns the valid checkpoint with the highest BestMetric, or "" if
// none has it.
func (m *Manager) Best() string {
	infos, _ := m.list()
	return best(infos, m.BestMetric)
}

// trust records a checkpoint as valid without reading it again: one this
// Manager just wrote and synced, or one it fully checked.
func (m *Manager) trust(dir string) {
	if m.verified == nil {
		m.verified = map[string]bool{}
	}
	m.verified[dir] = true
}

// list is List(m.Dir, true), except that checkpoints this Manager already
// knows to be valid have only their manifest read: pruning after every save
// would otherwise re-hash every kept checkpoint each time (24 MB for the
// default MLP's three).
func (m *Manager) list() ([]Info, error) {
	infos, err := List(m.Dir, false)
	if err != nil {
		return nil, err
	}
	for i := range infos {
		if infos[i].Err != nil || m.verified[infos[i].Dir] {
			continue
		}
		if _, infos[i].Err = (Checks{m.opts.Check}).Verify(infos[i].Dir); infos[i].Err == nil {
			m.trust(infos[i].Dir)
		}
	}
	return infos, nil
}

func best(infos []Info, metric string) string {
	bestDir, bestValue := "", 0.0
	for _, info := range infos {
		if info.Err != nil || metric == "" {
			continue
		}
		if v, ok := info.Manifest.Metrics[metric]; ok && (bestDir == "" || v > bestValue) {
			bestDir, bestValue = info.Dir, v
		}
	}
	return bestDir
}

// Prune deletes checkpoints beyond the KeepLast newest valid ones, except
// the best by BestMetric and Protect. Validity is fully checked (sizes,
// checksums, layout), so a corrupt newest checkpoint never counts towards
// KeepLast; corrupt checkpoints are left alone for the user to inspect. It
// returns the deleted folders, and points the pointer files (BestPointer,
// LastPointer) at the best and the newest valid checkpoints.
func (m *Manager) Prune() ([]string, error) {
	infos, err := m.list()
	if err != nil {
		return nil, err
	}
	keep := map[string]bool{best(infos, m.BestMetric): true, m.Protect: true}
	var valid []Info
	for _, info := range infos {
		if info.Err == nil {
			valid = append(valid, info)
		}
	}
	for i := max(len(valid)-m.KeepLast, 0); i < len(valid); i++ {
		keep[valid[i].Dir] = true
	}
	var deleted []string
	for _, info := range valid {
		if keep[info.Dir] {
			continue
		}
		// Rename first so that a crash mid-delete leaves a temporary folder
		// (ignored, cleaned later), never a half-deleted checkpoint.
		doomed := filepath.Join(m.Dir, tmpPrefix+"deleted-"+filepath.Base(info.Dir))
		if err := os.Rename(info.Dir, doomed); err != nil {
			return deleted, fmt.Errorf("delete %s: %w", info.Dir, atomicfile.WithoutPath(err))
		}
		delete(m.verified, info.Dir)
		m.opts.stage("prune: removing " + filepath.Base(info.Dir))
		if err := os.RemoveAll(doomed); err != nil {
			return deleted, fmt.Errorf("delete %s: %w", info.Dir, atomicfile.WithoutPath(err))
		}
		deleted = append(deleted, info.Dir)
	}
	return deleted, m.writePointers(valid)
}
