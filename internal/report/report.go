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
//		RunDir: runDir, Summary: summary, Metrics: metrics,
//		Config: trained.Config, Params: params, Checkpoint: c.Dir,
//		EvalBackend: "go", Test: mnist.Test, Eval: ev,
//	})
package report

import (
	"bytes"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/neurona/neurona/train/atomicfile"
	"html/template"
	"image"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/neurona/neurona/data"
	"github.com/neurona/neurona/internal/viz"
	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train"

	"github.com/neurona/neurona/train/safejson"
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
	Summary *train.Summary // summary.json; nil if the run has none
	Metrics []train.EpochMetrics
	// Config and Params are the evaluated checkpoint's (they hold even
	// for a run without summary.json).
	Config      train.Config
	Params      []models.Param
	Checkpoint  string // folder of the evaluated checkpoint
	Step, Epoch int    // of that checkpoint
	EvalBackend string
	Test        *data.Set
	Eval        *train.Evaluation // of Test
	Created     time.Time         // zero: now
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
func ReadRun(dir string) (*train.Summary, []train.EpochMetrics, []string, error) {
	var s *train.Summary
	b, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	switch {
	case err == nil:
		s = new(train.Summary)
		if err := json.Unmarshal(b, s); err != nil {
			return nil, nil, nil, fmt.Errorf("%s: %w", filepath.Join(dir, "summary.json"), err)
		}
	case !errors.Is(err, fs.ErrNotExist):
		return nil, nil, nil, err
	}
	metrics, damaged, err := viz.ReadMetrics(filepath.Join(dir, "metrics.jsonl"))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil, err
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

// view is the template's data, formatted.
type view struct {
	Model, RunDir, Created, Version, GoMLX string
	Warning                                string
	AccuracyPct, Loss, SummaryAccuracy     string
	Examples, Mistakes, Params             string
	EpochText, Stopped                     string
	Checkpoint, EvalBackend                string
	Config, Timings                        [][2]string
	Layers                                 []layer
	Epochs                                 [][]string
	Classes                                []class
	Noun                                   string // "digit" or "class"
	MeanPrecision, MeanRecall              string
	Curves, Confusion                      template.URL
	Misclassified, Correct                 template.URL
}

type layer struct{ Name, Tensors, Count string }

type class struct {
	Name                       string
	Precision, Recall, Support string
	LowP, LowR                 bool
}

func build(in *Input) (*view, error) {
	ev, set := in.Eval, in.Test
	if ev == nil || set == nil {
		return nil, errors.New("report: no evaluation to show")
	}
	if len(ev.Predicted) != set.N {
		return nil, fmt.Errorf("report: evaluation of %d examples for a set of %d", len(ev.Predicted), set.N)
	}
	created := in.Created
	if created.IsZero() {
		created = time.Now()
	}
	b := train.Build()
	v := &view{
		Model:       in.Config.Model.String(),
		Warning:     in.Warning,
		RunDir:      in.RunDir,
		Created:     created.Format("2006-01-02 15:04:05 MST"),
		Version:     b.Version,
		GoMLX:       b.GoMLX,
		AccuracyPct: fmt.Sprintf("%.2f%%", 100*ev.Accuracy),
		Loss:        fmt.Sprintf("%.4f", ev.Loss),
		Examples:    thousands(ev.Examples),
		Mistakes:    thousands(len(ev.Wrong)),
		Checkpoint:  fmt.Sprintf("%s (step %d, epoch %d)", in.Checkpoint, in.Step, in.Epoch),
		EvalBackend: in.EvalBackend,
		EpochText:   strconv.Itoa(in.Epoch),
	}
	if s := in.Summary; s != nil {
		v.EpochText, v.Stopped = strconv.Itoa(s.Epochs), s.StoppedBecause
		if s.TestAccuracy != nil {
			v.SummaryAccuracy = fmt.Sprintf("%.4f (weights of epoch %d)", *s.TestAccuracy, s.EvaluatedEpoch)
		}
	}
	var err error
	if v.Config, err = flatten(in.Config); err != nil {
		return nil, err
	}
	var total int
	v.Layers, total = layers(in.Params)
	v.Params = thousands(total)
	v.Timings = timings(in)
	for _, m := range in.Metrics {
		v.Epochs = append(v.Epochs, []string{strconv.Itoa(m.Epoch),
			fmt.Sprintf("%.4f", m.TrainLoss), fmt.Sprintf("%.4f", m.TrainAccuracy),
			optional(m.ValLoss), optional(m.ValAccuracy),
			fmt.Sprintf("%.0f", m.ExamplesPerSecond), fmt.Sprintf("%.1f", m.EpochSeconds)})
	}
	names := in.Classes
	if names.N == 0 {
		names.N = len(ev.Precision)
	}
	v.Classes, v.MeanPrecision, v.MeanRecall = classes(ev, names)
	v.Noun = names.Noun()

	if len(in.Metrics) > 0 {
		img, err := viz.Curves(in.Metrics)
		if err != nil {
			return nil, err
		}
		if v.Curves, err = dataURI(img); err != nil {
			return nil, err
		}
	}
	for _, p := range []struct {
		dst *template.URL
		img image.Image
	}{
		{&v.Confusion, viz.ConfusionImage(ev.Confusion)},
		{&v.Misclassified, viz.MisclassifiedImage(set, ev)},
		{&v.Correct, viz.CorrectImage(set, ev, CorrectSamples)},
	} {
		if *p.dst, err = dataURI(p.img); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// dataURI encodes img as a PNG data: URI. template.URL marks it safe:
// html/template would otherwise replace a data: URL by "#ZgotmplZ".
func dataURI(img image.Image) (template.URL, error) {
	b, err := viz.EncodePNG(img)
	if err != nil {
		return "", err
	}
	return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(b)), nil
}

// timings lists where and how fast the run trained, from summary.json.
func timings(in *Input) [][2]string {
	rows := [][2]string{{"evaluation backend", in.EvalBackend}}
	s := in.Summary
	if s == nil {
		return append(rows, [2]string{"training", "no summary.json in the run folder (still training, or killed)"})
	}
	backend := s.Backend
	if s.BackendDescription != "" {
		backend += " (" + s.BackendDescription + ")"
	}
	rows = append(rows,
		[2]string{"training backend", backend},
		[2]string{"epochs, steps", fmt.Sprintf("%d epochs, %s steps; stopped: %s", s.Epochs, thousands(s.GlobalStep), s.StoppedBecause)},
		[2]string{"compile", seconds(s.CompileSeconds)},
		[2]string{"training", fmt.Sprintf("%s (%s examples/s, %.1f steps/s)", seconds(s.TrainSeconds), thousands(int(s.ExamplesPerSecond+0.5)), s.StepsPerSecond)},
		[2]string{"wall time", seconds(s.WallSeconds)},
		[2]string{"checkpoints", fmt.Sprintf("%d saved in %s", s.Checkpoints, seconds(s.CheckpointSeconds))},
	)
	if s.BestValAccuracy != nil {
		rows = append(rows, [2]string{"best validation accuracy", fmt.Sprintf("%.4f at epoch %d", *s.BestValAccuracy, s.BestEpoch)})
	}
	rows = append(rows,
		[2]string{"data", fmt.Sprintf("%s train, %s validation, %s test images; %s",
			thousands(s.Data.Train), thousands(s.Data.Val), thousands(s.Data.Test), data.Describe(s.Data.Dir, s.Data.Source))},
		[2]string{"build", fmt.Sprintf("neurona %s, GoMLX %s, %s, GOEXPERIMENT=%s, %s/%s",
			s.Build.Version, s.Build.GoMLX, s.Build.GoVersion, s.Build.GOEXPERIMENT, s.Build.OS, s.Build.Arch)},
	)
	if !s.StartedAt.IsZero() {
		rows = append(rows, [2]string{"started", s.StartedAt.Format("2006-01-02 15:04:05 MST")})
	}
	return rows
}

// layers groups params by the first element of their path ("/hidden_0/
// dense/weights" is layer hidden_0) and returns the layers with the total.
func layers(params []models.Param) ([]layer, int) {
	var out []layer
	var counts []int
	var total int
	for _, p := range params {
		name, rest, _ := strings.Cut(strings.TrimPrefix(p.Name, "/"), "/")
		n := 1
		for _, d := range p.Shape {
			n *= d
		}
		total += n
		short := rest[strings.LastIndex(rest, "/")+1:]
		tensor := fmt.Sprintf("%s %s", short, shape(p.Shape))
		if k := len(out) - 1; k >= 0 && out[k].Name == name {
			out[k].Tensors += ", " + tensor
			counts[k] += n
			continue
		}
		out = append(out, layer{Name: name, Tensors: tensor})
		counts = append(counts, n)
	}
	for i := range out {
		out[i].Count = thousands(counts[i])
	}
	return out, total
}

func shape(dims []int) string {
	s := make([]string, len(dims))
	for i, d := range dims {
		s[i] = strconv.Itoa(d)
	}
	return "[" + strings.Join(s, "×") + "]"
}

// classes formats per-class precision and recall, marking the three
// lowest of each: the classes to look at first.
func classes(ev *train.Evaluation, names data.Classes) (out []class, meanP, meanR string) {
	lowest := func(xs []float64) map[int]bool {
		idx := make([]int, len(xs))
		for i := range idx {
			idx[i] = i
		}
		slices.SortStableFunc(idx, func(a, b int) int {
			switch {
			case xs[a] < xs[b]:
				return -1
			case xs[a] > xs[b]:
				return 1
			}
			return 0
		})
		m := map[int]bool{}
		for _, i := range idx[:min(3, len(idx))] {
			m[i] = true
		}
		return m
	}
	lowP, lowR := lowest(ev.Precision), lowest(ev.Recall)
	var sumP, sumR float64
	for c := range ev.Precision {
		support := 0
		if c < len(ev.Confusion) {
			for _, n := range ev.Confusion[c] {
				support += n
			}
		}
		var r float64
		if c < len(ev.Recall) {
			r = ev.Recall[c]
		}
		sumP, sumR = sumP+ev.Precision[c], sumR+r
		out = append(out, class{Name: names.Name(c), Precision: fmt.Sprintf("%.4f", ev.Precision[c]), Recall: fmt.Sprintf("%.4f", r),
			Support: thousands(support), LowP: lowP[c], LowR: lowR[c]})
	}
	if k := float64(len(ev.Precision)); k > 0 {
		meanP, meanR = fmt.Sprintf("%.4f", sumP/k), fmt.Sprintf("%.4f", sumR/k)
	}
	return out, meanP, meanR
}

// flatten lists the fields of v's JSON form in their order, nested
// objects as "model.hidden", lists joined by commas: the configuration as
// summary.json and meta.json spell it.
func flatten(v any) ([][2]string, error) {
	b, err := safejson.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var out [][2]string
	var walk func(prefix string) error
	walk = func(prefix string) error {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				for dec.More() {
					key, err := dec.Token()
					if err != nil {
						return err
					}
					name := fmt.Sprint(key)
					if prefix != "" {
						name = prefix + "." + name
					}
					if err := walk(name); err != nil {
						return err
					}
				}
			case '[':
				var items []string
				for dec.More() {
					var item any
					if err := dec.Decode(&item); err != nil {
						return err
					}
					items = append(items, fmt.Sprint(item))
				}
				out = append(out, [2]string{prefix, strings.Join(items, ", ")})
			}
			_, err := dec.Token() // the closing delimiter
			return err
		case nil:
			out = append(out, [2]string{prefix, "null"})
		default:
			out = append(out, [2]string{prefix, fmt.Sprint(t)})
		}
		return nil
	}
	if err := walk(""); err != nil {
		return nil, fmt.Errorf("report: configuration: %w", err)
	}
	return out, nil
}

// thousands formats n with thin separators: 669,706.
func thousands(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

func seconds(s float64) string {
	if s < 10 {
		return fmt.Sprintf("%.2f s", s)
	}
	return fmt.Sprintf("%.1f s", s)
}

func optional(x *float64) string {
	if x == nil {
		return "–"
	}
	return fmt.Sprintf("%.4f", *x)
}
