package viz

import (
	"fmt"
	"image"
	"math"
	"slices"
	"strings"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph code reads better dot-imported, as in GoMLX.
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/neurona/neurona/models"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
)

// PointwiseActivations are the activations ActivationCurves can evaluate,
// in the lecture's order: maxout, the other one models accepts, is a layer
// of its own rather than a function of one number.
var PointwiseActivations = []string{"relu", "leaky_relu", "sigmoid", "tanh", "linear"}

// ActivationCurve is an activation f sampled at X: Y = f(X), DY = f'(X).
type ActivationCurve struct {
	Name     string
	X, Y, DY []float64
}

// ActivationCurves evaluates each named activation and its derivative at
// points evenly spaced numbers from lo to hi, through the functions the
// models use (models.Activate) and GoMLX's autodiff, on backend: what is
// plotted is what trains, not a second implementation of it.
func ActivationCurves(backend compute.Backend, names []string, lo, hi float64, points int) (curves []ActivationCurve, err error) {
	if points < 2 || !(hi > lo) {
		return nil, fmt.Errorf("viz: activation range [%g, %g] with %d points (want lo < hi and >= 2 points)", lo, hi, points)
	}
	xs := make([]float32, points)
	for i := range xs {
		xs[i] = float32(lo + (hi-lo)*float64(i)/float64(points-1))
	}
	for _, name := range names {
		c, err := evalActivation(backend, name, xs)
		if err != nil {
			return nil, err
		}
		curves = append(curves, c)
	}
	return curves, nil
}

// evalActivation builds and runs y = f(x), dy = d(sum y)/dx: since f acts
// on each element alone, the gradient of the sum is f' at each x.
func evalActivation(backend compute.Backend, name string, xs []float32) (c ActivationCurve, err error) {
	// models.Activate panics on a name it has no pointwise form for, and
	// with GoMLX v0.28.2 a panic inside the graph function hung the call
	// here (seen with maxout) instead of returning: refuse such names
	// before building anything.
	if !slices.Contains(PointwiseActivations, name) {
		return c, fmt.Errorf("viz: activation %q has no pointwise form (accepted: %s)", name, strings.Join(PointwiseActivations, ", "))
	}
	exec, err := activationExec(backend, name)
	if err != nil {
		return c, fmt.Errorf("viz: activation %q: %w", name, err)
	}
	out, err := callSafely(exec, tensors.FromValue(xs))
	if err != nil {
		return c, fmt.Errorf("viz: activation %q: %w", name, err)
	}
	defer exec.Finalize()
	c.Name = name
	y, dy := tensors.MustCopyFlatData[float32](out[0]), tensors.MustCopyFlatData[float32](out[1])
	for i, x := range xs {
		c.X = append(c.X, float64(x))
		c.Y = append(c.Y, float64(y[i]))
		c.DY = append(c.DY, float64(dy[i]))
	}
	for _, o := range out {
		_ = o.FinalizeAll()
	}
	return c, nil
}

// activationExec is the program of y = f(x) and dy = f'(x), element-wise.
func activationExec(backend compute.Backend, name string) (*Exec, error) {
	return NewExec(backend, func(x *Node) (y, dy *Node) {
		y = models.Activate(name, x)
		dy = Gradient(ReduceAllSum(y), x)[0]
		return y, dy
	})
}

// callSafely runs exec, turning a GoMLX panic into an error.
func callSafely(exec *Exec, args ...any) (out []*tensors.Tensor, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	return exec.Call(args...)
}

// activationTitles are the names of the lecture.
var activationTitles = map[string]string{
	"relu":       "ReLU: max(0, x)",
	"leaky_relu": "leaky ReLU: x, or 0.01x if x < 0",
	"sigmoid":    "sigmoid: 1 / (1 + exp(-x))",
	"tanh":       "tanh(x)",
	"linear":     "linear: x",
}

// Activations draws each curve in its own panel, the function as a solid
// blue line and its derivative dashed orange, panels three to a row.
func Activations(curves []ActivationCurve) (image.Image, error) {
	if len(curves) == 0 {
		return nil, fmt.Errorf("viz: no activations to plot")
	}
	const perRow = 3
	rows := (len(curves) + perRow - 1) / perRow
	grid := make([][]*plot.Plot, rows)
	for i := range grid {
		grid[i] = make([]*plot.Plot, perRow)
	}
	for i, c := range curves {
		title := activationTitles[c.Name]
		if title == "" {
			title = c.Name
		}
		p := newPlot(title, "x", "")
		lo, hi := math.Inf(1), math.Inf(-1)
		f, df := make(plotter.XYs, len(c.X)), make(plotter.XYs, len(c.X))
		for j := range c.X {
			f[j] = plotter.XY{X: c.X[j], Y: c.Y[j]}
			df[j] = plotter.XY{X: c.X[j], Y: c.DY[j]}
			lo, hi = min(lo, c.Y[j], c.DY[j]), max(hi, c.Y[j], c.DY[j])
		}
		for _, s := range []struct {
			name   string
			xys    plotter.XYs
			dashed bool
		}{{"f(x)", f, false}, {"f'(x)", df, true}} {
			l, err := plotter.NewLine(s.xys)
			if err != nil {
				return nil, fmt.Errorf("viz: activation %q: %w", c.Name, err)
			}
			l.LineStyle.Width = 2.5
			l.LineStyle.Color = blue
			if s.dashed {
				l.LineStyle.Color, l.LineStyle.Dashes = orange, dashed
			}
			p.Add(l)
			p.Legend.Add(s.name, l)
		}
		// The same margin above and below keeps a derivative of exactly 0
		// or 1 off the frame.
		pad := 0.08 * max(hi-lo, 1)
		p.Y.Min, p.Y.Max = lo-pad, hi+pad
		p.X.Min, p.X.Max = c.X[0], c.X[len(c.X)-1]
		p.Legend.Top, p.Legend.Left = true, true
		grid[i/perRow][i%perRow] = p
	}
	return renderPlots(grid, 1500, 470*rows)
}
