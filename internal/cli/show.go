package cli

import (
	"fmt"
	"io"

	"github.com/neurona/neurona/data"
	"github.com/neurona/neurona/internal/viz"
)

// showOptions is what `neurona data show` was asked to draw.
type showOptions struct {
	split string // train or test
	n     int    // images
	digit int    // only this label; -1 for all
	cols  int
	scale int
	out   string
	data  data.LocateOptions
}

// parseShow fills showOptions from args.
func parseShow(args []string, e *env) (*showOptions, error) {
	fs, lo := dataFlags(e, "show")
	fs.Usage = func() {
		fmt.Fprintln(e.stdout, "Usage: neurona data show [--split train|test] [--n 64] [--digit D] [--out samples.png] [flags]\n\n"+
			"Draws the first --n images of a split (or of one digit) in a grid, each with its label and its\n"+
			"index in the split (the index `neurona predict` takes).\n\nFlags:")
		fs.SetOutput(e.stdout)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	o := &showOptions{}
	fs.StringVar(&o.split, "split", "train", "which images: train (60,000) or test (10,000)")
	fs.IntVar(&o.n, "n", 64, "how many images (1 to 1000)")
	fs.IntVar(&o.digit, "digit", -1, "only images of this digit, 0 to 9 (default: all)")
	fs.IntVar(&o.cols, "cols", 0, "images per row (default: 10, or 8 for 64 images)")
	fs.IntVar(&o.scale, "scale", 3, "pixels per MNIST pixel (1 to 10)")
	fs.StringVar(&o.out, "out", "samples.png", "PNG file to write")
	if err := parseFlags(fs, args); err != nil {
		return nil, err
	}
	switch {
	case fs.NArg() > 0:
		return nil, usagef("unexpected argument %q (data show takes only flags)", fs.Arg(0))
	case o.split != "train" && o.split != "test":
		return nil, usagef("--split %q (accepted: train, test)", o.split)
	case o.n < 1 || o.n > 1000:
		return nil, usagef("--n %d (must be 1 to 1000)", o.n)
	case o.digit < -1 || o.digit > 9:
		return nil, usagef("--digit %d (must be 0 to 9)", o.digit)
	case o.cols < 0:
		return nil, usagef("--cols %d (must be >= 1)", o.cols)
	case o.scale < 1 || o.scale > 10:
		return nil, usagef("--scale %d (must be 1 to 10)", o.scale)
	case o.out == "":
		return nil, usagef("--out is empty (want a PNG file name)")
	}
	if o.cols == 0 {
		o.cols = 10
		if o.n == 64 {
			o.cols = 8
		}
	}
	o.data = *lo
	return o, nil
}

func runDataShow(e *env, args []string) error {
	o, err := parseShow(args, e)
	if err != nil {
		return err
	}
	m, err := loadMNIST(e, o.data)
	if err != nil {
		return err
	}
	set, name := m.Train, "training"
	if o.split == "test" {
		set, name = m.Test, "test"
	}
	if set.Rows != viz.Side || set.Cols != viz.Side {
		return fmt.Errorf("%s images are %dx%d, not MNIST's %dx%d", name, set.Rows, set.Cols, viz.Side, viz.Side)
	}
	var cells []viz.Cell
	for i := 0; i < set.N && len(cells) < o.n; i++ {
		if o.digit >= 0 && int(set.Labels[i]) != o.digit {
			continue
		}
		cells = append(cells, viz.Cell{Pixels: set.Image(i), Caption: fmt.Sprint(set.Labels[i]), Detail: fmt.Sprintf("#%d", i)})
	}
	what := fmt.Sprintf("The first %d %s images", len(cells), name)
	if o.digit >= 0 {
		what = fmt.Sprintf("The first %d %s images of the digit %d", len(cells), name, o.digit)
	}
	img := viz.WithTitle(viz.DigitGrid(cells, o.cols, o.scale),
		fmt.Sprintf("%s (of %d)", what, set.N), "caption: label and index in the "+o.split+" split")
	if err := viz.WritePNG(o.out, img); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "wrote %s (%d images, %dx%d pixels)\n", o.out, len(cells), img.Bounds().Dx(), img.Bounds().Dy())
	return nil
}
