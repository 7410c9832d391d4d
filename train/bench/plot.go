package bench

import (
	"bytes"
	"fmt"
	"image/color"
	"path/filepath"
	"strings"

	"github.com/neurona/neurona/train/atomicfile"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
)

// Plot draws training examples/s per batch size, one bar per backend.
func Plot(path string, results []Result) error {
	var batches []int
	var backends []string
	value := map[string]map[int]float64{}
	for _, r := range results {
		if value[r.Backend] == nil {
			value[r.Backend] = map[int]float64{}
			backends = append(backends, r.Backend)
		}
		value[r.Backend][r.Batch] = r.ExamplesPerSecond
		if !containsInt(batches, r.Batch) {
			batches = append(batches, r.Batch)
		}
	}
	p := plot.New()
	p.Title.Text = "neurona bench: training throughput"
	p.Y.Label.Text = "examples / s"
	p.X.Label.Text = "batch size"
	width := vg.Points(float64(60) / float64(max(len(backends), 1)))
	for i, b := range backends {
		vals := make(plotter.Values, len(batches))
		for j, batch := range batches {
			vals[j] = value[b][batch]
		}
		bars, err := plotter.NewBarChart(vals, width)
		if err != nil {
			return err
		}
		bars.Color = plotutil.Color(i)
		bars.LineStyle.Color = color.Black
		bars.Offset = width * vg.Length(float64(i)-float64(len(backends)-1)/2)
		p.Add(bars)
		p.Legend.Add(b, bars)
	}
	p.Legend.Top, p.Legend.Left = true, true
	p.Y.Max *= 1.15 // room for the legend above the bars
	labels := make([]string, len(batches))
	for i, b := range batches {
		labels[i] = fmt.Sprint(b)
	}
	p.NominalX(labels...)
	p.X.Min, p.X.Max = -0.6, float64(len(batches))-0.4
	// As plot.Save picks the format, but written through atomicfile: Save
	// would truncate whatever is at path, a device or a named pipe included.
	w, err := p.WriterTo(16*vg.Centimeter, 10*vg.Centimeter, strings.ToLower(strings.TrimPrefix(filepath.Ext(path), ".")))
	if err != nil {
		return fmt.Errorf("plot %s: %w", path, err)
	}
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		return fmt.Errorf("plot %s: %w", path, err)
	}
	return atomicfile.WriteFile(path, buf.Bytes())
}

func containsInt(xs []int, x int) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}
