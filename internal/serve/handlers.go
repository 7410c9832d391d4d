package serve

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"

	"github.com/neurona/neurona/internal/runs"
	"github.com/neurona/neurona/train/config"
	"github.com/neurona/neurona/train/runfolder"
)

// routes is the server's handler: the guards around the pages and the API.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/{$}", s.only("GET", s.page("index.html")))
	mux.HandleFunc("/runs/{run}", s.only("GET", s.runPage))
	mux.HandleFunc("/sweeps/{sweep}", s.only("GET", s.sweepPage))
	mux.HandleFunc("/api/sweeps/{sweep}", s.only("GET", s.handleSweep))
	mux.HandleFunc("/assets/{file}", s.only("GET", s.asset))
	mux.HandleFunc("/api/runs", s.only("GET", s.handleRuns))
	mux.HandleFunc("/api/runs/{run}", s.only("GET", s.withRun(s.handleRun)))
	mux.HandleFunc("/api/runs/{run}/metrics", s.only("GET", s.withRun(s.handleMetrics)))
	mux.HandleFunc("/api/runs/{run}/evaluation", s.only("GET", s.withRun(s.handleEvaluation)))
	mux.HandleFunc("/api/runs/{run}/files/{file}", s.only("GET", s.withRun(s.handleFile)))
	mux.HandleFunc("/api/runs/{run}/predict", s.only("POST", s.withRun(s.handlePredict)))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, &httpError{http.StatusNotFound, fmt.Errorf("nothing at %s (see docs/serve.md)", r.URL.Path)})
	})
	return s.guard(s.recoverJSON(mux))
}

// runHandler answers a request about one run.
type runHandler func(w http.ResponseWriter, r *http.Request, rn *run) error

// withRun opens the run the path names for h and answers h's error.
func (s *Server) withRun(h runHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		rn, err := openRun(s.root, s.dir, r.PathValue("run"))
		if err == nil {
			defer rn.close()
			err = h(w, r, rn)
		}
		if err != nil {
			s.writeError(w, r, err)
		}
	}
}

// RunList is GET /api/runs.
type RunList struct {
	Dir string `json:"dir"` // the folder served, as given
	// Runs are the run folders under it and the runs of its sweeps'
	// trials ("SWEEP/TRIAL").
	Runs   []RunInfo   `json:"runs"`
	Sweeps []SweepInfo `json:"sweeps"`
}

func (s *Server) handleRuns(w http.ResponseWriter, r *http.Request) {
	list, sweeps, err := s.listRuns()
	if err != nil {
		s.writeError(w, r, fmt.Errorf("list %s: %w", s.dir, err))
		return
	}
	_ = writeJSON(w, http.StatusOK, RunList{Dir: s.dir, Runs: list, Sweeps: sweeps})
}

// Run is GET /api/runs/{run}: what a run's page shows besides its curves.
type Run struct {
	RunInfo
	// Config is the run's configuration: the summary's, else the newest
	// checkpoint's; nil before the first checkpoint.
	Config  *config.Config     `json:"config,omitempty"`
	Summary *runfolder.Summary `json:"summary,omitempty"`
	// Classes names the model's classes; ImageRows and ImageCols are the
	// size of its images (0 before the first checkpoint).
	Classes   []string `json:"classes,omitempty"`
	ImageRows int      `json:"image_rows"`
	ImageCols int      `json:"image_cols"`
	// Drawable says whether the pad can predict with the run's model;
	// NotDrawable says why not.
	Drawable    bool   `json:"drawable"`
	NotDrawable string `json:"not_drawable,omitempty"`
	// Pictures maps each picture the run folder has (confusion.png,
	// misclassified.png, curves.png) to its URL, which changes with it.
	Pictures map[string]string `json:"pictures"`
	// DamagedLines is how many lines of metrics.jsonl did not parse.
	DamagedLines int `json:"damaged_lines"`
}

func (s *Server) handleRun(w http.ResponseWriter, r *http.Request, rn *run) error {
	st := s.readState(rn, runs.HeldLocks())
	out := Run{RunInfo: st.info, Config: st.config, Summary: st.summary, Pictures: map[string]string{},
		DamagedLines: st.metrics.Damaged}
	switch {
	case st.config == nil:
		out.NotDrawable = errNoModel.Error()
	default:
		k := st.config.Model.Classes
		if st.shape != nil {
			out.ImageRows, out.ImageCols = st.shape.ImageRows, st.shape.ImageCols
			k = max(k, st.shape.Classes.N)
			out.Classes = classNames(st.shape.Classes, k)
		}
		if err := drawable(st.config.Model, st.shape); err != nil {
			out.NotDrawable = err.Error()
		} else {
			out.Drawable = true
		}
	}
	for _, name := range pictures {
		if fi, err := rn.stat(name); err == nil && fi.Mode().IsRegular() {
			out.Pictures[name] = fmt.Sprintf("/api/runs/%s/files/%s?v=%d", url.PathEscape(rn.name), name, fi.ModTime().UnixNano())
		}
	}
	return writeJSON(w, http.StatusOK, out)
}

// Metrics is GET /api/runs/{run}/metrics: metrics.jsonl's epoch lines and
// step lines (runfolder.StepMetrics, every --log-every steps).
type Metrics struct {
	Epochs       []runfolder.EpochMetrics `json:"epochs"`
	Steps        []runfolder.StepMetrics  `json:"steps"`
	DamagedLines int                      `json:"damaged_lines"`
}

// handleMetrics answers with an ETag of the file's size and time, so a
// page that polls gets 304 Not Modified until the next epoch.
func (s *Server) handleMetrics(w http.ResponseWriter, r *http.Request, rn *run) error {
	m, err := s.metrics.read(rn)
	if err != nil {
		return err
	}
	tag := m.etag()
	w.Header().Set("ETag", tag)
	w.Header().Set("Cache-Control", "no-cache")
	if r.Header.Get("If-None-Match") == tag {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	return writeJSON(w, http.StatusOK, Metrics{Epochs: m.Epochs, Steps: m.Steps, DamagedLines: m.Damaged})
}

// handleFile serves one of the run's pictures.
func (s *Server) handleFile(w http.ResponseWriter, r *http.Request, rn *run) error {
	name := r.PathValue("file")
	if !slices.Contains(pictures, name) {
		return &httpError{http.StatusNotFound, fmt.Errorf("no file %q: a run serves %v", name, pictures)}
	}
	f, fi, err := rn.open(name, maxPictureBytes)
	if isNotExist(err) {
		return &httpError{http.StatusNotFound, fmt.Errorf("%s has no %s yet (train and eval draw it once the run is tested)", rn.name, name)}
	}
	if err != nil {
		return err
	}
	defer f.Close()
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "no-cache")
	http.ServeContent(w, r, name, fi.ModTime(), f)
	return nil
}

// runPage serves a run's page once the run exists.
func (s *Server) runPage(w http.ResponseWriter, r *http.Request) {
	rn, err := openRun(s.root, s.dir, r.PathValue("run"))
	if err != nil {
		if root, serr := openSweep(s.root, r.PathValue("run")); serr == nil {
			root.Close()
			http.Redirect(w, r, sweepURL(r.PathValue("run")), http.StatusFound) // a sweep has a page of its own
			return
		}
		s.writeError(w, r, err)
		return
	}
	rn.close()
	s.page("run.html")(w, r)
}
