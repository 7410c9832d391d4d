package serve

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/neurona/neurona/data"
	"github.com/neurona/neurona/train"
)

// Loader loads the model of the run in the folder runDir: the checkpoint
// whose results the run reports (internal/cli gives the one eval uses: the
// epoch the run tested, else the newest valid checkpoint). It is called
// once per run, and again when the run's checkpoints or summary change.
type Loader func(runDir string) (*train.Trained, error)

// TestSetLoader returns the test images of the data t was trained on, for
// a run's per-class precision and recall.
type TestSetLoader func(t *train.Trained) (*data.Set, error)

// maxModels is how many runs' models stay loaded; the least recently used
// is dropped first. An MLP of the default size is about 8 MB of weights.
const maxModels = 8

// modelCache holds the loaded models, one per run.
type modelCache struct {
	load    Loader
	testSet TestSetLoader
	logf    func(format string, args ...any)

	mu      sync.Mutex // guards entries and clock
	entries map[string]*model
	clock   int64
}

// model is one run's model. Its mutex serializes loading and every call
// into t: train.Trained's compiled calls (a GoMLX model.Exec and the
// variables of its store) are not documented as safe for concurrent use.
type model struct {
	mu   sync.Mutex
	used int64 // modelCache.clock at the last use

	fp   fingerprint // of the run when t (or err) was loaded
	t    *train.Trained
	err  error
	eval *Evaluation // of t, once asked for
}

// fingerprint is what changes when a run's tested checkpoint may have
// changed: a checkpoint saved or pruned changes checkpoints/ (saves rename
// a finished folder into it), and the end of the run writes summary.json.
type fingerprint struct {
	summarySize          int64
	summaryMod, ckptsMod int64 // UnixNano; 0 when absent
}

func fingerprintOf(r *run) fingerprint {
	var fp fingerprint
	if fi, err := r.stat(summaryFile); err == nil {
		fp.summarySize, fp.summaryMod = fi.Size(), fi.ModTime().UnixNano()
	}
	if fi, err := r.stat(checkpointsDir); err == nil {
		fp.ckptsMod = fi.ModTime().UnixNano()
	}
	return fp
}

// errNoModel is a run that has no checkpoint to load yet.
var errNoModel = errors.New("the run has no checkpoint yet (train saves one at the end of every epoch)")

// use calls fn with r's model, loaded or reloaded as needed, holding the
// model's lock.
func (c *modelCache) use(r *run, fn func(m *model) error) error {
	if c.load == nil {
		return errors.New("this server loads no models")
	}
	m := c.entry(r.name)
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := r.checkpointsSafe(); err != nil {
		return err
	}
	fp := fingerprintOf(r)
	if (m.t == nil && m.err == nil) || fp != m.fp {
		start := time.Now()
		m.t, m.err, m.eval, m.fp = nil, nil, nil, fp
		if ckpt, err := r.newestCheckpoint(); err != nil {
			m.err = err
		} else if ckpt == "" {
			m.err = errNoModel
		} else if m.t, m.err = c.loadInside(r); m.err == nil {
			c.logf("serve: loaded %s/%s (%s) in %s", r.name, filepath.Base(m.t.Checkpoint.Dir), m.t.Config.Model, time.Since(start).Round(time.Millisecond))
		}
	}
	if m.err != nil {
		return m.err
	}
	return fn(m)
}

// entry returns the cache entry of a run, creating it, and drops the least
// recently used other entries beyond maxModels (one in use stays).
func (c *modelCache) entry(name string) *model {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = map[string]*model{}
	}
	m, ok := c.entries[name]
	if !ok {
		m = &model{}
		c.entries[name] = m
	}
	c.clock++
	m.used = c.clock
	for len(c.entries) > maxModels {
		oldest, oldestName := (*model)(nil), ""
		for n, e := range c.entries {
			if n != name && (oldest == nil || e.used < oldest.used) {
				oldest, oldestName = e, n
			}
		}
		if oldest == nil || !oldest.mu.TryLock() {
			break // in use: try again on the next request
		}
		delete(c.entries, oldestName)
		oldest.t, oldest.eval = nil, nil
		oldest.mu.Unlock()
	}
	return m
}

// loadInside loads r's model and checks that its checkpoint lies inside
// the run folder (checkpointsSafe refused the links that could lead out).
func (c *modelCache) loadInside(r *run) (*train.Trained, error) {
	t, err := c.load(r.path)
	if err != nil {
		return nil, fmt.Errorf("load the model of %s: %w", r.name, err)
	}
	if !inside(t.Checkpoint.Dir, r.path) {
		return nil, fmt.Errorf("the checkpoint of %s lies outside its folder; not served", r.name)
	}
	return t, nil
}

// inside reports whether path lies in dir once symbolic links are resolved.
func inside(path, dir string) bool {
	p, err1 := filepath.EvalSymlinks(path)
	d, err2 := filepath.EvalSymlinks(dir)
	if err1 != nil || err2 != nil {
		return false
	}
	rel, err := filepath.Rel(d, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}
