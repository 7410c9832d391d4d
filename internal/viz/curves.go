package viz

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"math"
	"strconv"

	"github.com/neurona/neurona/train/runfolder"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// ErrNoMetrics is returned by Curves for a run without a finished epoch.
var ErrNoMetrics = errors.New("viz: no epochs to plot")

// Line colours of the charts (the first two of Tableau's palette, told
// apart by most colour-blind readers), and dashes for the second line so
// that print in grey still separates them.
var (
	blue   = color.RGBA{31, 119, 180, 255}
	orange = color.RGBA{255, 127, 14, 255}
	dashed = []vg.Length{vg.Points(6), vg.Points(3)}
)

// chartDPI is the resolution of the charts: sizes below are in pixels.
const chartDPI = 96

// Curves draws the loss and the accuracy per epoch side by side, the
// training set's against the validation set's (when the run held one out),
// with the training loss of the step lines (runfolder.StepMetrics) as a thin
// line under the epoch points.
func Curves(run runfolder.RunMetrics) (image.Image, error) {
	metrics := run.Epochs
	if len(metrics) == 0 {
		return nil, ErrNoMetrics
	}
	var trLoss, trAcc, vaLoss, vaAcc plotter.XYs
	best, bestEpoch := math.Inf(-1), 0
	for _, m := range metrics {
		e := float64(m.Epoch)
		trLoss = append(trLoss, plotter.XY{X: e, Y: m.TrainLoss})
		trAcc = append(trAcc, plotter.XY{X: e, Y: m.TrainAccuracy})
		if m.ValLoss != nil {
			vaLoss = append(vaLoss, plotter.XY{X: e, Y: *m.ValLoss})
		}
		if m.ValAccuracy != nil {
			vaAcc = append(vaAcc, plotter.XY{X: e, Y: *m.ValAccuracy})
			if *m.ValAccuracy > best {
				best, bestEpoch = *m.ValAccuracy, m.Epoch
			}
		}
	}
	loss := newPlot("Loss per epoch", "epoch", "loss")
	acc := newPlot("Accuracy per epoch", "epoch", "accuracy")
	if bestEpoch > 0 {
		acc.Title.Text = fmt.Sprintf("Accuracy per epoch (best validation %.4f, epoch %d)", best, bestEpoch)
	}
	first, last := float64(metrics[0].Epoch), float64(metrics[len(metrics)-1].Epoch)
	if len(run.Steps) > 0 {
		first = math.Floor(min(first, run.Steps[0].Epochs))
		if err := addStepLine(loss, run.Steps, first, last); err != nil {
			return nil, err
		}
	}
	for _, p := range []*plot.Plot{loss, acc} {
		p.X.Tick.Marker = epochTicks{}
		p.X.Min, p.X.Max = first, max(last, first+1)
	}
	if err := addSeries(loss, "train", trLoss, blue, nil); err != nil {
		return nil, err
	}
	if err := addSeries(loss, "validation", vaLoss, orange, dashed); err != nil {
		return nil, err
	}
	if err := addSeries(acc, "train", trAcc, blue, nil); err != nil {
		return nil, err
	}
	if err := addSeries(acc, "validation", vaAcc, orange, dashed); err != nil {
		return nil, err
	}
	if len(run.Steps) > 0 {
		// The first steps' loss can be many times the epochs': it would
		// flatten the rest. The axis stops at twice the highest epoch
		// point and the step line is clipped there.
		hi := 0.0
		for _, xys := range []plotter.XYs{trLoss, vaLoss} {
			for _, p := range xys {
				hi = max(hi, p.Y)
			}
		}
		if hi > 0 {
			loss.Y.Max = min(loss.Y.Max, 2*hi)
		}
	}
	loss.Legend.Top = true
	acc.Legend.Top, acc.Legend.YPosition = false, draw.PosBottom
	return renderPlots([][]*plot.Plot{{loss, acc}}, 1400, 520)
}

// addSeries adds xys to p as a line with a dot at each point (a run of one
// or two epochs is otherwise hard to read); nothing for no points.
func addSeries(p *plot.Plot, name string, xys plotter.XYs, c color.Color, dashes []vg.Length) error {
	if len(xys) == 0 {
		return nil
	}
	l, s, err := plotter.NewLinePoints(xys)
	if err != nil {
		return fmt.Errorf("viz: %s: %w", name, err)
	}
	l.LineStyle.Color, l.LineStyle.Width, l.LineStyle.Dashes = c, vg.Points(2), dashes
	s.GlyphStyle.Color, s.GlyphStyle.Radius, s.GlyphStyle.Shape = c, vg.Points(3), draw.CircleGlyph{}
	if len(xys) > 60 { // dots would merge into a thick line
		s.GlyphStyle.Radius = 0
	}
	p.Add(l, s)
	p.Legend.Add(name, l, s)
	return nil
}

// lightBlue is the step-level training loss: the train colour, paler, so
// the epoch line stays in front.
var lightBlue = color.NRGBA{31, 119, 180, 120}

// addStepLine adds the step lines' training loss to p as a thin line, for
// the steps from epoch first to last (a resumed run's file may hold lines
// past its last epoch's).
func addStepLine(p *plot.Plot, steps []runfolder.StepMetrics, first, last float64) error {
	var xys plotter.XYs
	for _, s := range steps {
		if s.Epochs >= first && s.Epochs <= max(last, first+1) && !math.IsNaN(s.TrainLoss) && !math.IsInf(s.TrainLoss, 0) {
			xys = append(xys, plotter.XY{X: s.Epochs, Y: s.TrainLoss})
		}
	}
	if len(xys) == 0 {
		return nil
	}
	l, err := plotter.NewLine(xys)
	if err != nil {
		return fmt.Errorf("viz: step losses: %w", err)
	}
	l.LineStyle.Color, l.LineStyle.Width = lightBlue, vg.Points(1)
	p.Add(l)
	p.Legend.Add("train, per step", l)
	return nil
}

// epochTicks marks whole epochs only, at most about ten of them.
type epochTicks struct{}

func (epochTicks) Ticks(lo, hi float64) []plot.Tick {
	span := hi - lo
	step := 1.0
	for _, s := range []float64{1, 2, 5, 10, 20, 50, 100, 200, 500, 1000} {
		step = s
		if span/s <= 10 {
			break
		}
	}
	var ticks []plot.Tick
	for v := math.Ceil(lo/step) * step; v <= hi+1e-9; v += step {
		ticks = append(ticks, plot.Tick{Value: v, Label: strconv.Itoa(int(v))})
	}
	return ticks
}

// sans is the font of chart text: Liberation Sans, which gonum/plot
// embeds, reads better on screen at these sizes than its default serif.
func sans(size float64) font.Font {
	return font.Font{Typeface: "Liberation", Variant: "Sans", Size: font.Length(size)}
}

// newPlot returns a plot with a grid and legible text sizes.
func newPlot(title, xLabel, yLabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font = sans(15)
	p.Title.Padding = vg.Points(8)
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = sans(13)
		a.Tick.Label.Font = sans(12)
		a.Padding = vg.Points(4)
	}
	p.X.Label.Text, p.Y.Label.Text = xLabel, yLabel
	p.Legend.TextStyle.Font = sans(13)
	p.Legend.ThumbnailWidth = vg.Points(30)
	p.Legend.Padding = vg.Points(3)
	grid := plotter.NewGrid()
	grid.Vertical.Color = color.RGBA{225, 225, 225, 255}
	grid.Horizontal.Color = color.RGBA{225, 225, 225, 255}
	p.Add(grid)
	return p
}

// renderPlots draws a grid of plots, aligned on their axes, into a
// w x h pixel image.
func renderPlots(plots [][]*plot.Plot, w, h int) (img image.Image, err error) {
	defer func() {
		// gonum/plot panics on some degenerate data (a NaN range); a
		// picture is not worth a crash.
		if r := recover(); r != nil {
			img, err = nil, fmt.Errorf("viz: draw chart: %v", r)
		}
	}()
	px := func(n int) vg.Length { return vg.Length(n) * vg.Inch / chartDPI }
	c := vgimg.NewWith(vgimg.UseWH(px(w), px(h)), vgimg.UseDPI(chartDPI), vgimg.UseBackgroundColor(color.White))
	dc := draw.New(c)
	tiles := draw.Tiles{
		Rows: len(plots), Cols: len(plots[0]),
		PadX: px(40), PadY: px(30), PadTop: px(10), PadBottom: px(10), PadLeft: px(10), PadRight: px(20),
	}
	canvases := plot.Align(plots, tiles, dc)
	for i, row := range plots {
		for j, p := range row {
			if p != nil {
				p.Draw(canvases[i][j])
			}
		}
	}
	return c.Image(), nil
}
