package serve

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/neurona/neurona/internal/runs"
	"github.com/neurona/neurona/internal/safefile"
)

// A sweep (`neurona sweep`) is a folder directly under the served folder
// holding sweep.json and one run folder per trial. Its trials are served as
// runs named "SWEEP/TRIAL" (as `neurona runs list` names them), and the
// sweep has a page of its own: its leaderboard, linking each trial's run.
//
// internal/sweep writes sweep.json; the server, on the same layer, reads
// the fields it shows with its own bounded reader, through the sweep's
// os.Root like everything else it reads.
const (
	sweepFile     = "sweep.json"
	maxSweepBytes = 64 << 20 // internal/sweep's own bound on sweep.json
)

// errNoSweep is the error of a sweep name that names none.
var errNoSweep = errors.New("no such sweep")

// sweepDoc is the part of sweep.json the server shows.
type sweepDoc struct {
	Args    []string  `json:"args"`
	Swept   []string  `json:"swept"`
	Created time.Time `json:"created"`
	Trials  []struct {
		Name     string            `json:"name"`
		Settings map[string]string `json:"settings"`
		Result   struct {
			Status         string    `json:"status"`
			ValAccuracy    *float64  `json:"val_accuracy"`
			TestAccuracy   *float64  `json:"test_accuracy"`
			Epochs         int       `json:"epochs"`
			TrainSeconds   float64   `json:"train_seconds"`
			StoppedBecause string    `json:"stopped_because"`
			Error          string    `json:"error"`
			Finished       time.Time `json:"finished"`
		} `json:"result"`
	} `json:"trials"`
}

// Sweep is GET /api/sweeps/{sweep}: the sweep's leaderboard.
type Sweep struct {
	Name    string    `json:"name"`
	Args    []string  `json:"args"`  // the train flags it was given
	Swept   []string  `json:"swept"` // the flags it varies: the board's setting columns
	Created time.Time `json:"created"`
	// Trials are ranked as `neurona sweep` ranks them: finished trials by
	// best validation accuracy, highest first, then the others in order.
	Trials []SweepTrial `json:"trials"`
}

// SweepTrial is one row of a sweep's leaderboard.
type SweepTrial struct {
	Rank     int               `json:"rank"`
	Name     string            `json:"name"`
	Run      string            `json:"run,omitempty"` // its run's name on this server ("SWEEP/TRIAL"), once its folder is a run
	Settings map[string]string `json:"settings"`
	// Status is sweep.json's: pending, running, finished, failed,
	// interrupted.
	Status         string   `json:"status"`
	ValAccuracy    *float64 `json:"val_accuracy,omitempty"`
	TestAccuracy   *float64 `json:"test_accuracy,omitempty"`
	Epochs         int      `json:"epochs"`
	TrainSeconds   float64  `json:"train_seconds"`
	StoppedBecause string   `json:"stopped_because,omitempty"`
	Error          string   `json:"error,omitempty"`
}

// SweepInfo is a sweep in the list of GET /api/runs.
type SweepInfo struct {
	Name            string    `json:"name"`
	Trials          int       `json:"trials"`
	Finished        int       `json:"finished"`
	BestValAccuracy *float64  `json:"best_val_accuracy,omitempty"`
	Updated         time.Time `json:"updated"`
}

// openSweep opens the sweep folder name directly under dirRoot: a folder,
// not a symbolic link, holding sweep.json. The caller closes the root.
func openSweep(dirRoot *os.Root, name string) (*os.Root, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	fi, err := dirRoot.Lstat(name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("%w %q", errNoSweep, name)
	case err != nil:
		return nil, fmt.Errorf("sweep %q: %w", name, err)
	case !fi.IsDir(): // a symbolic link included: Lstat does not follow it
		return nil, fmt.Errorf("%w %q (not a folder)", errNoSweep, name)
	}
	root, err := dirRoot.OpenRoot(name)
	if err != nil {
		return nil, fmt.Errorf("sweep %q: %w", name, err)
	}
	if fi, err := root.Lstat(sweepFile); err != nil || !fi.Mode().IsRegular() {
		root.Close()
		return nil, fmt.Errorf("%w %q (the folder holds no %s)", errNoSweep, name, sweepFile)
	}
	return root, nil
}

// openTrial opens the run of a sweep's trial, named "SWEEP/TRIAL".
func openTrial(dirRoot *os.Root, dir, sweep, trial string) (*run, error) {
	if err := checkName(trial); err != nil { // one element: no sweep in a sweep
		return nil, err
	}
	root, err := openSweep(dirRoot, sweep)
	if err != nil {
		if errors.Is(err, errNoSweep) {
			return nil, fmt.Errorf("%w %q (%s is not a sweep)", errNoRun, sweep+"/"+trial, sweep)
		}
		return nil, err
	}
	defer root.Close() // the trial's own root stays open
	r, err := openRun(root, filepath.Join(dir, sweep), trial)
	if err != nil {
		return nil, err
	}
	r.name = sweep + "/" + trial
	return r, nil
}

// readSweep reads the sweep name's sweep.json and ranks its trials.
func (s *Server) readSweep(name string) (*Sweep, fs.FileInfo, error) {
	root, err := openSweep(s.root, name)
	if err != nil {
		return nil, nil, err
	}
	defer root.Close()
	b, err := safefile.ReadFileIn(root, sweepFile, maxSweepBytes)
	if err != nil {
		return nil, nil, fmt.Errorf("sweep %q: %w", name, err)
	}
	fi, err := root.Lstat(sweepFile)
	if err != nil {
		return nil, nil, fmt.Errorf("sweep %q: %w", name, err)
	}
	var doc sweepDoc
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, nil, fmt.Errorf("sweep %q: %s: %w", name, sweepFile, err)
	}
	out := &Sweep{Name: name, Args: doc.Args, Swept: doc.Swept, Created: doc.Created, Trials: []SweepTrial{}}
	for _, t := range doc.Trials {
		res := t.Result
		row := SweepTrial{Name: t.Name, Settings: t.Settings, Status: res.Status, ValAccuracy: res.ValAccuracy,
			TestAccuracy: res.TestAccuracy, Epochs: res.Epochs, TrainSeconds: res.TrainSeconds,
			StoppedBecause: res.StoppedBecause, Error: res.Error}
		if checkName(t.Name) == nil {
			if r, err := openRun(root, filepath.Join(s.dir, name), t.Name); err == nil {
				r.close()
				row.Run = name + "/" + t.Name
			}
		}
		out.Trials = append(out.Trials, row)
	}
	rankTrials(out.Trials)
	return out, fi, nil
}

// rankTrials orders a leaderboard as internal/sweep's Ranked does: finished
// with a validation accuracy (highest first), finished without one, then
// the rest, each group in plan order.
func rankTrials(trials []SweepTrial) {
	group := func(t SweepTrial) int {
		switch {
		case t.Status == "finished" && t.ValAccuracy != nil:
			return 0
		case t.Status == "finished":
			return 1
		}
		return 2
	}
	slices.SortStableFunc(trials, func(a, b SweepTrial) int {
		if ga, gb := group(a), group(b); ga != gb {
			return cmp.Compare(ga, gb)
		}
		if a.ValAccuracy != nil && b.ValAccuracy != nil {
			return cmp.Compare(*b.ValAccuracy, *a.ValAccuracy)
		}
		return 0
	})
	for i := range trials {
		trials[i].Rank = i + 1
	}
}

// listSweep adds the trials of the sweep name that are run folders to
// list, as runs named "SWEEP/TRIAL", and returns the sweep's list entry.
func (s *Server) listSweep(name string, locks runs.Locks, list *[]RunInfo) (SweepInfo, error) {
	sw, fi, err := s.readSweep(name)
	if err != nil {
		return SweepInfo{}, err
	}
	info := SweepInfo{Name: name, Trials: len(sw.Trials), Updated: fi.ModTime()}
	for _, t := range sw.Trials {
		if t.Status == "finished" {
			info.Finished++
		}
		if t.ValAccuracy != nil && (info.BestValAccuracy == nil || *t.ValAccuracy > *info.BestValAccuracy) {
			info.BestValAccuracy = t.ValAccuracy
		}
		if t.Run == "" {
			continue
		}
		r, err := openRun(s.root, s.dir, t.Run)
		if err != nil {
			continue
		}
		*list = append(*list, s.readState(r, locks).info)
		r.close()
	}
	return info, nil
}

// sweepPage serves a sweep's page.
func (s *Server) sweepPage(w http.ResponseWriter, r *http.Request) {
	root, err := openSweep(s.root, r.PathValue("sweep"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	root.Close()
	s.page("sweep.html")(w, r)
}

// handleSweep is GET /api/sweeps/{sweep}.
func (s *Server) handleSweep(w http.ResponseWriter, r *http.Request) {
	sw, _, err := s.readSweep(r.PathValue("sweep"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	_ = writeJSON(w, http.StatusOK, sw)
}

// sweepURL is the page of the sweep name.
func sweepURL(name string) string { return "/sweeps/" + url.PathEscape(name) }

// isTrialName reports whether name has the shape of a trial's run name,
// "SWEEP/TRIAL".
func isTrialName(name string) (sweep, trial string, ok bool) {
	sweep, trial, ok = strings.Cut(name, "/")
	return sweep, trial, ok && sweep != "" && trial != ""
}
