package cli

import (
	"fmt"
	"math"

	"github.com/neurona/neurona/internal/viz"
	"github.com/neurona/neurona/train/backend"
)

const plotHelp = `Usage: neurona plot <picture> [flags]

  activations  ReLU, leaky ReLU, sigmoid, tanh and linear with their derivatives,
               computed through the models' own functions and GoMLX's autodiff

Run ` + "`neurona plot <picture> --help`" + ` for its flags.`

// plotActivationsOptions is what `neurona plot activations` was asked to draw.
// maxPlotRange bounds --range: beyond it the span -range..range or the
// curves' values (sigmoid's exponentials) stop being finite float32 or
// float64 numbers, and the plotter fails with NaN.
const maxPlotRange = 1e6

type plotActivationsOptions struct {
	out    string
	xRange float64 // x from -xRange to +xRange
	points int
}

func runPlot(e *env, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" || args[0] == "help" {
		fmt.Fprintln(e.stdout, plotHelp)
		if len(args) == 0 {
			return usagef("missing picture (accepted: activations)")
		}
		return nil
	}
	if args[0] != "activations" {
		return usagef("unknown picture %q (accepted: activations)", args[0])
	}
	o, err := parsePlotActivations(args[1:], e)
	if err != nil {
		return err
	}
	return plotActivations(e, o)
}

// parsePlotActivations fills plotActivationsOptions from args.
func parsePlotActivations(args []string, e *env) (*plotActivationsOptions, error) {
	fs := newFlags("plot activations", "plot activations [--out activations.png] [--range 4]", e.stdout)
	o := &plotActivationsOptions{}
	fs.StringVar(&o.out, "out", "activations.png", "PNG file to write")
	fs.Float64Var(&o.xRange, "range", 4, "plot x from -range to +range")
	fs.IntVar(&o.points, "points", 801, "points per curve (2 to 100000)")
	if err := parseFlags(fs, args); err != nil {
		return nil, err
	}
	switch {
	case fs.NArg() > 0:
		return nil, usagef("unexpected argument %q (plot activations takes only flags)", fs.Arg(0))
	case !(o.xRange > 0) || math.IsInf(o.xRange, 0) || o.xRange > maxPlotRange:
		return nil, usagef("--range %g (must be a number > 0 and at most %g)", o.xRange, float64(maxPlotRange))
	case o.points < 2 || o.points > 100000:
		return nil, usagef("--points %d (must be 2 to 100000)", o.points)
	case o.out == "":
		return nil, usagef("--out is empty (want a PNG file name)")
	}
	return o, nil
}

func plotActivations(e *env, o *plotActivationsOptions) error {
	// The Go backend always exists and these graphs are tiny: no reason to
	// start a GPU for them.
	goBackend, _, err := backend.New(backend.Go)
	if err != nil {
		return err
	}
	defer goBackend.Finalize()
	curves, err := viz.ActivationCurves(goBackend, viz.PointwiseActivations, -o.xRange, o.xRange, o.points)
	if err != nil {
		return err
	}
	img, err := viz.Activations(curves)
	if err != nil {
		return err
	}
	img = viz.WithTitle(img, "Activation functions f (solid) and their derivatives f' (dashed)",
		"computed by neurona's models.Activate on GoMLX's Go backend; derivatives by GoMLX's autodiff")
	if err := viz.WritePNG(o.out, img); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "wrote %s\n", o.out)
	return nil
}
