package viz

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"math"
	"slices"
	"strconv"

	"github.com/neurona/neurona/train/runfolder"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// SweepTrial is one trial of a sweep as SweepImage draws it.
type SweepTrial struct {
	Name     string
	Settings map[string]string // swept flag -> value
	Metrics  []runfolder.EpochMetrics
	// Final is the accuracy it is ranked by (best validation); nil for a
	// trial without one, which the panels leave out.
	Final *float64
}

// ErrNoTrials: a sweep with no trial to draw.
var ErrNoTrials = errors.New("viz: no trials with validation accuracy to draw")

// maxSweepPanels bounds the per-hyperparameter panels drawn.
const maxSweepPanels = 6

// The panels of a sweep picture are laid out in rows of at most
// sweepColumns, each panel sweepPanelW x sweepPanelH pixels: a strip of
// seven panels 420 pixels wide was 3220 pixels across, unreadable unless
// zoomed out to where its text was too small.
const (
	sweepColumns = 3
	sweepPanelW  = 560
	sweepPanelH  = 440
)

// otherGrey is the colour of the trials that are not the best.
var otherGrey = color.RGBA{140, 140, 140, 255}

// SweepImage draws a sweep: the validation accuracy per epoch of every
// trial overlaid, the best (trials[best]) highlighted, and beside it one
// panel per swept hyperparameter of each trial's final validation
// accuracy against its value (a log axis for values spanning a factor of
// 100 or more, the values as categories where they are not numbers).
func SweepImage(trials []SweepTrial, swept []string, best int) (image.Image, error) {
	curves := newPlot("Validation accuracy per epoch, every trial", "epoch", "validation accuracy")
	curves.X.Tick.Marker = epochTicks{}
	drawn := 0
	for i, t := range trials {
		var xys plotter.XYs
		for _, m := range t.Metrics {
			if m.ValAccuracy != nil {
				xys = append(xys, plotter.XY{X: float64(m.Epoch), Y: *m.ValAccuracy})
			}
		}
		if len(xys) == 0 || i == best {
			continue
		}
		l, err := addLine(curves, xys, otherGrey, 1)
		if err != nil {
			return nil, err
		}
		if drawn == 0 {
			curves.Legend.Add("other trials", l)
		}
		drawn++
	}
	if best >= 0 && best < len(trials) {
		var xys plotter.XYs
		for _, m := range trials[best].Metrics {
			if m.ValAccuracy != nil {
				xys = append(xys, plotter.XY{X: float64(m.Epoch), Y: *m.ValAccuracy})
			}
		}
		if len(xys) > 0 {
			if err := addSeries(curves, "best: "+shorten(trials[best].Name, maxLegendRunes), xys, blue, nil); err != nil {
				return nil, err
			}
			drawn++
		}
	}
	if drawn == 0 {
		return nil, ErrNoTrials
	}
	curves.Legend.Top, curves.Legend.YPosition = false, draw.PosBottom
	panels := []*plot.Plot{curves}
	for _, flag := range swept[:min(len(swept), maxSweepPanels)] {
		p, err := sweepPanel(trials, flag, best)
		if err != nil {
			return nil, err
		}
		panels = append(panels, p)
	}
	cols := min(len(panels), sweepColumns)
	grid := make([][]*plot.Plot, (len(panels)+cols-1)/cols)
	for i := range grid {
		grid[i] = make([]*plot.Plot, cols) // a short last row keeps empty cells
		copy(grid[i], panels[i*cols:])
	}
	w := sweepPanelW * cols
	if cols == 1 {
		w = 700 // the curves alone
	}
	return renderPlots(grid, w, sweepPanelH*len(grid))
}

// sweepPanel is the final validation accuracy of each trial against the
// value of flag.
func sweepPanel(trials []SweepTrial, flag string, best int) (*plot.Plot, error) {
	p := newPlot("Final validation accuracy by "+flag, flag, "validation accuracy")
	var values []string
	numeric := true
	for _, t := range trials {
		v := t.Settings[flag]
		if !slices.Contains(values, v) {
			values = append(values, v)
		}
		if _, err := strconv.ParseFloat(v, 64); err != nil {
			numeric = false
		}
	}
	x := func(v string) float64 { return float64(slices.Index(values, v)) }
	if numeric {
		slices.SortFunc(values, func(a, b string) int {
			fa, _ := strconv.ParseFloat(a, 64)
			fb, _ := strconv.ParseFloat(b, 64)
			return int(math.Copysign(1, fa-fb))
		})
		lo, _ := strconv.ParseFloat(values[0], 64)
		hi, _ := strconv.ParseFloat(values[len(values)-1], 64)
		// The axis runs a little past the values, so that no marker sits
		// on its edge, half cut off; its ticks are the values swept, as
		// given, rather than round numbers none of the trials used.
		if lo > 0 && hi/lo >= 100 {
			p.X.Scale = plot.LogScale{}
			x = func(v string) float64 { f, _ := strconv.ParseFloat(v, 64); return f }
			p.X.Min, p.X.Max = lo/1.8, hi*1.8
		} else if len(values) > 1 {
			x = func(v string) float64 { f, _ := strconv.ParseFloat(v, 64); return f }
			pad := 0.08 * (hi - lo)
			p.X.Min, p.X.Max = lo-pad, hi+pad
		}
		if len(values) > 1 && len(values) <= 12 {
			ticks := make([]plot.Tick, len(values))
			for i, v := range values {
				ticks[i] = plot.Tick{Value: x(v), Label: v}
			}
			p.X.Tick.Marker = plot.ConstantTicks(ticks)
		}
	}
	if !numeric || len(values) == 1 {
		ticks := make([]plot.Tick, len(values))
		for i, v := range values {
			if v == "" {
				v = "none"
			}
			ticks[i] = plot.Tick{Value: float64(i), Label: shorten(v, maxTickRunes)}
		}
		p.X.Tick.Marker = plot.ConstantTicks(ticks)
		p.X.Min, p.X.Max = -0.5, float64(len(values))-0.5
	}
	var all, top plotter.XYs
	yLo, yHi := math.Inf(1), math.Inf(-1)
	for i, t := range trials {
		if t.Final == nil {
			continue
		}
		yLo, yHi = min(yLo, *t.Final), max(yHi, *t.Final)
		xy := plotter.XY{X: x(t.Settings[flag]), Y: *t.Final}
		if i == best {
			top = append(top, xy)
		} else {
			all = append(all, xy)
		}
	}
	for _, s := range []struct {
		xys    plotter.XYs
		c      color.Color
		radius vg.Length
		label  string
	}{{all, otherGrey, 4, "other trials"}, {top, blue, 6, "best"}} {
		if len(s.xys) == 0 {
			continue
		}
		sc, err := plotter.NewScatter(s.xys)
		if err != nil {
			return nil, fmt.Errorf("viz: sweep panel %s: %w", flag, err)
		}
		sc.GlyphStyle.Color, sc.GlyphStyle.Radius, sc.GlyphStyle.Shape = s.c, vg.Points(float64(s.radius)), draw.CircleGlyph{}
		p.Add(sc)
		p.Legend.Add(s.label, sc)
	}
	if yLo <= yHi {
		// Equal accuracies would give a range of nothing, which gonum/plot
		// widens to [0, 2·y]: keep the axis around the values instead.
		pad := max(0.15*(yHi-yLo), 0.002)
		p.Y.Min, p.Y.Max = yLo-pad, yHi+pad
	}
	p.Legend.Top, p.Legend.YPosition = false, draw.PosBottom
	return p, nil
}

// addLine adds xys to p as a thin line, returned for a legend entry.
func addLine(p *plot.Plot, xys plotter.XYs, c color.Color, width float64) (*plotter.Line, error) {
	l, err := plotter.NewLine(xys)
	if err != nil {
		return nil, fmt.Errorf("viz: sweep curve: %w", err)
	}
	l.LineStyle.Color, l.LineStyle.Width = c, vg.Points(width)
	p.Add(l)
	return l, nil
}

// Labels of a sweep's picture come from run folders' names and their
// settings: cut (in the middle, by shorten) so that they fit the plot.
const (
	maxLegendRunes = 40
	maxTickRunes   = 16
)
