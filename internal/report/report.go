// Package report writes a run's report.html: one self-contained page with
// the configuration, the parameters per layer, the backend and timings,
// the learning curves, the confusion matrix, per-class precision and
// recall, the misclassified test images and a sample of correct ones.
// Pictures are embedded as data: URIs, so the page opens offline and can
// be mailed or archived as one file.
//
// The caller evaluates the model (internal/cli's report command loads the
// run's checkpoint and evaluates the test set) and passes the result:
//
//	summary, metrics, damaged, err := report.ReadRun(runDir)
//	...
//	err = report.Write(filepath.Join(runDir, report.File), &report.Input{
//		RunDir: runDir, Summary: summary, Metrics: metrics.Epochs, Steps: metrics.Steps,
//		Config: trained.Config, Params: params, Checkpoint: c.Dir,
//		EvalBackend: "go", Test: mnist.Test, Eval: ev,
//	})
package report

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"path/filepath"
	"time"

	"github.com/neurona/neurona/data"
	"github.com/neurona/neurona/internal/atomicfile"
	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train/config"
	"github.com/neurona/neurona/train/runfolder"
)

// File is the report's name in a run folder.
const File = "report.html"

// CorrectSamples is how many correct predictions the report shows.
const CorrectSamples = 40

//go:embed report.html.tmpl
var pageSource string

var page = template.Must(template.New("report").Parse(pageSource))

// Input is what a report shows.
type Input struct {
	RunDir  string
	Summary *runfolder.Summary // summary.json; nil if the run has none
	Metrics []runfolder.EpochMetrics
	Steps   []runfolder.StepMetrics // metrics.jsonl's step lines, drawn in the curves
	// Config and Params are the evaluated checkpoint's (they hold even
	// for a run without summary.json).
	Config      config.Config
	Params      []models.Param
	Checkpoint  string // folder of the evaluated checkpoint
	Step, Epoch int    // of that checkpoint
	EvalBackend string
	Test        *data.Set
	Eval        *runfolder.Evaluation // of Test
	Created     time.Time             // zero: now
	// Warning, when set, is said at the top of the page (e.g. that Test is
	// not the data the run was trained on).
	Warning string
	// Classes name the model's classes in the tables and pictures; the
	// zero value shows them as numbers.
	Classes data.Classes
}

// ReadRun reads a run folder's summary.json and metrics.jsonl. Either may
// be missing (a run still training has no summary yet), which gives nil.
// Damaged lines of metrics.jsonl are skipped and described in damaged.
func ReadRun(dir string) (*runfolder.Summary, runfolder.RunMetrics, []string, error) {
	s, err := runfolder.ReadSummary(dir)
	if errors.Is(err, fs.ErrNotExist) {
		s = nil
	} else if err != nil {
		return nil, runfolder.RunMetrics{}, nil, err
	}
	metrics, damaged, err := runfolder.ReadRunMetrics(filepath.Join(dir, "metrics.jsonl"))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, runfolder.RunMetrics{}, nil, err
	}
	return s, metrics, damaged, nil
}

// Write renders the report into path, atomically.
func Write(path string, in *Input) error {
	var buf bytes.Buffer
	if err := Render(&buf, in); err != nil {
		return err
	}
	return atomicfile.WriteFile(path, buf.Bytes())
}

// Render writes the report's HTML to w.
func Render(w io.Writer, in *Input) error {
	v, err := build(in)
	if err != nil {
		return err
	}
	if err := page.Execute(w, v); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return nil
}
