package cli

import (
	"fmt"
	"math"

	"github.com/neurona/neurona/internal/human"
	"github.com/neurona/neurona/internal/viz"
	"github.com/neurona/neurona/train/backend"
	"github.com/spf13/cobra"
)

// maxPlotRange bounds --range: beyond it the span -range..range or the
// curves' values (sigmoid's exponentials) stop being finite float32 or
// float64 numbers, and the plotter fails with NaN.
const maxPlotRange = 1e6

// plotActivationsOptions is what `neurona plot activations` was asked to draw.
type plotActivationsOptions struct {
	out    string
	xRange float64 // x from -xRange to +xRange
	points int
}

// newCmdPlot builds `neurona plot` and its pictures; runF, if not nil,
// runs instead of drawing.
func newCmdPlot(e *env, runF func(*plotActivationsOptions) error) *cobra.Command {
	cmd := &cobra.Command{
		Use:         "plot <picture>",
		Short:       "draw reference pictures (activations: the activation functions and their derivatives)",
		Args:        cobra.ArbitraryArgs,
		RunE:        groupRunE,
		Annotations: map[string]string{annotationNoun: "picture"},
	}
	o := &plotActivationsOptions{}
	act := &cobra.Command{
		Use:   "activations",
		Short: "ReLU, leaky ReLU, sigmoid, tanh and linear with their derivatives, computed through the models' own functions and GoMLX's autodiff",
		Args:  noArgs,
		RunE: func(*cobra.Command, []string) error {
			switch {
			case !(o.xRange > 0) || math.IsInf(o.xRange, 0) || o.xRange > maxPlotRange:
				return usagef("--range %g (must be a number > 0 and at most %g)", o.xRange, float64(maxPlotRange))
			case o.points < 2 || o.points > 100000:
				return usagef("--points %d (must be 2 to 100000)", o.points)
			case o.out == "":
				return usagef("--out is empty (want a PNG file name)")
			}
			if err := checkOut("--out", o.out); err != nil {
				return err
			}
			if runF != nil {
				return runF(o)
			}
			return plotActivations(e, o)
		},
	}
	act.Flags().StringVar(&o.out, "out", "activations.png", "PNG file to write")
	act.Flags().Float64Var(&o.xRange, "range", 4, "plot x from -range to +range")
	act.Flags().IntVar(&o.points, "points", 801, "points per curve (2 to 100000)")
	cmd.AddCommand(act)
	return cmd
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
	fmt.Fprintf(e.stdout, "wrote %s\n", human.Text(o.out))
	return nil
}
