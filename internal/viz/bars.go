package viz

import (
	"errors"
	"fmt"
	"image"
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Bars is a grouped bar chart: for each group (a batch size), one bar per
// series (a backend). The bench command's picture is one.
type Bars struct {
	Title, XLabel, YLabel string
	Groups                []string // along the x axis
	Series                []BarSeries
}

// BarSeries is one bar per group, Values[i] for Groups[i].
type BarSeries struct {
	Name   string
	Values []float64
}

// ErrNoBars: a bar chart with no group or no series.
var ErrNoBars = errors.New("viz: no bars to draw")

// palette is the charts' colours in order: Tableau's blue and orange
// (curves.png's train and validation), then its green, red and purple.
var palette = []color.Color{blue, orange, color.RGBA{44, 160, 44, 255}, color.RGBA{214, 39, 40, 255}, color.RGBA{148, 103, 189, 255}}

// BarChart draws b in the style of the other charts (curves.png): the same
// fonts, grid, colours and pixel size.
func BarChart(b Bars) (image.Image, error) {
	if len(b.Groups) == 0 || len(b.Series) == 0 {
		return nil, ErrNoBars
	}
	p := newPlot(b.Title, b.XLabel, b.YLabel)
	// A bar's width is in canvas units, not x units: a group (one x
	// unit) is about (chartW-120)/len(groups) pixels wide, and its bars
	// fill 70% of it.
	unit := vg.Length(float64(chartW-120)/float64(len(b.Groups))) * vg.Inch / chartDPI
	w := unit * vg.Length(0.7/float64(len(b.Series)))
	for i, s := range b.Series {
		if len(s.Values) != len(b.Groups) {
			return nil, fmt.Errorf("viz: bars %s: %d values for %d groups", s.Name, len(s.Values), len(b.Groups))
		}
		bars, err := plotter.NewBarChart(plotter.Values(s.Values), w)
		if err != nil {
			return nil, fmt.Errorf("viz: bars %s: %w", s.Name, err)
		}
		bars.Color = palette[i%len(palette)]
		bars.LineStyle.Width = 0
		bars.Offset = w * vg.Length(float64(i)-float64(len(b.Series)-1)/2)
		p.Add(bars)
		p.Legend.Add(s.Name, bars)
	}
	p.NominalX(b.Groups...)
	p.X.Tick.Label.Font = sans(12)
	p.X.Min, p.X.Max = -0.6, float64(len(b.Groups))-0.4
	p.Y.Min = 0
	p.Y.Max *= 1.18 // room for the legend above the bars
	p.Legend.Top, p.Legend.Left = true, true
	p.Legend.YPosition = draw.PosTop
	return renderPlots([][]*plot.Plot{{p}}, chartW, chartH)
}

// chartW and chartH are the size of a one-panel chart, in pixels.
const (
	chartW = 900
	chartH = 520
)
