package serve

import (
	"errors"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/neurona/neurona/internal/runs"
	"github.com/neurona/neurona/train/config"
	"github.com/neurona/neurona/train/runfolder"
)

// RunInfo is a run as the list shows it: GET /api/runs.
type RunInfo struct {
	Name string `json:"name"`
	// Status is one of internal/runs' statuses, the words `neurona runs
	// list` uses: training, finished, stopped early, interrupted, failed,
	// crashed.
	Status string `json:"status"`
	// Model is the model's architecture ("mlp 784-128-10 relu softmax_ce"),
	// from summary.json or the newest checkpoint; "" before either exists.
	Model string `json:"model,omitempty"`
	// Epochs is how many epochs metrics.jsonl records.
	Epochs          int      `json:"epochs"`
	BestValAccuracy *float64 `json:"best_val_accuracy,omitempty"`
	TestAccuracy    *float64 `json:"test_accuracy,omitempty"`
	StoppedBecause  string   `json:"stopped_because,omitempty"`
	// Updated is the last write to metrics.jsonl or summary.json.
	Updated time.Time `json:"updated"`
	// Problem says what the server could not read ("summary.json: ..."),
	// with everything else it could.
	Problem string `json:"problem,omitempty"`
}

// runState is what the server reads of a run for its list entry and page.
type runState struct {
	info    RunInfo
	summary *runfolder.Summary // nil before the run ends
	metrics *metrics
	config  *config.Config // the summary's, else the newest checkpoint's
	shape   *runfolder.DataShape
}

// checkpointMeta is the part of a checkpoint's meta.json the pages show
// for a run still training (train's own type is unexported).
type checkpointMeta struct {
	Config config.Config       `json:"config"`
	Data   runfolder.DataShape `json:"data"`
}

// readState reads r's summary, metrics and status; locks is what
// runs.HeldLocks found (nil: unknown).
func (s *Server) readState(r *run, locks runs.Locks) *runState {
	st := &runState{info: RunInfo{Name: r.name}}
	var problems []string
	var sumTime time.Time
	var sum runfolder.Summary
	fi, err := r.readJSON(summaryFile, &sum)
	switch {
	case err == nil:
		st.summary, sumTime = &sum, fi.ModTime()
		st.config, st.shape = &sum.Hyperparameters, &sum.Data.DataShape
		st.info.Model = sum.Model.String()
		st.info.BestValAccuracy, st.info.TestAccuracy = sum.BestValAccuracy, sum.TestAccuracy
		st.info.StoppedBecause = sum.StoppedBecause
		st.info.Updated = sumTime
	case !isNotExist(err):
		problems = append(problems, err.Error())
	}
	m, err := s.metrics.read(r)
	if err != nil {
		problems = append(problems, err.Error())
		m = &metrics{}
	}
	st.metrics = m
	st.info.Epochs = len(m.Epochs)
	if st.info.BestValAccuracy == nil {
		st.info.BestValAccuracy = m.bestVal()
	}
	if m.ModTime.After(st.info.Updated) {
		st.info.Updated = m.ModTime
	}
	if st.config == nil {
		ckpt, err := r.newestCheckpoint()
		if err != nil {
			problems = append(problems, err.Error())
		}
		if ckpt != "" {
			var meta checkpointMeta
			if _, err := r.readJSON(path.Join(checkpointsDir, ckpt, "meta.json"), &meta); err == nil {
				st.config, st.shape = &meta.Config, &meta.Data
				st.info.Model = meta.Config.Model.String()
			}
		}
	}
	st.info.Status = runs.Status(st.summary, runs.BeingTrainedNow(locks, r.stat, st.summary != nil))
	if len(problems) > 0 {
		st.info.Problem = problems[0]
	}
	return st
}

// listRuns reads every run folder directly under the served folder, the
// most recently updated first. Entries that are not run folders (files,
// hidden folders, symbolic links, folders train did not write) are left out.
func (s *Server) listRuns() ([]RunInfo, []SweepInfo, error) {
	d, err := s.root.Open(".")
	if err != nil {
		return nil, nil, err
	}
	entries, err := d.ReadDir(-1)
	d.Close()
	if err != nil {
		return nil, nil, err
	}
	locks := runs.HeldLocks()
	list, sweeps := []RunInfo{}, []SweepInfo{}
	for _, e := range entries {
		if !e.IsDir() || checkName(e.Name()) != nil { // ReadDir's IsDir does not follow links
			continue
		}
		r, err := openRun(s.root, s.dir, e.Name())
		if err != nil {
			if sw, err := s.listSweep(e.Name(), locks, &list); err == nil {
				sweeps = append(sweeps, sw)
			}
			continue
		}
		list = append(list, s.readState(r, locks).info)
		r.close()
	}
	slices.SortStableFunc(sweeps, func(a, b SweepInfo) int {
		if c := b.Updated.Compare(a.Updated); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	slices.SortStableFunc(list, func(a, b RunInfo) int {
		if c := b.Updated.Compare(a.Updated); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	return list, sweeps, nil
}

func isNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }
