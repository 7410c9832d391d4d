package report

import (
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"image"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/neurona/neurona/data"
	"github.com/neurona/neurona/internal/human"
	"github.com/neurona/neurona/internal/viz"
	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train/buildinfo"
	"github.com/neurona/neurona/train/runfolder"
)

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
	b := buildinfo.Get()
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
		img, err := viz.Curves(runfolder.RunMetrics{Epochs: in.Metrics, Steps: in.Steps})
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
		{&v.Confusion, viz.ConfusionImage(ev.Confusion, names)},
		{&v.Misclassified, viz.MisclassifiedImage(set, ev, names)},
		{&v.Correct, viz.CorrectImage(set, ev, names, CorrectSamples)},
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
		[2]string{"epochs, steps", fmt.Sprintf("%s, %s; stopped: %s", human.Count(s.Epochs, "epoch"), stepCount(s.GlobalStep), s.StoppedBecause)},
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
func classes(ev *runfolder.Evaluation, names data.Classes) (out []class, meanP, meanR string) {
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
