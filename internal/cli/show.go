package cli

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/neurona/neurona/data"
	"github.com/neurona/neurona/internal/human"
	"github.com/neurona/neurona/internal/viz"
	"github.com/spf13/cobra"
)

// showOptions is what `neurona data show` was asked to draw.
type showOptions struct {
	split string // train or test
	n     int    // images
	// class keeps only the images of this class, by number or name ("" for
	// all); classFlag is the flag that gave it, --class or --digit (its old
	// name), for the error when the data has no such class.
	class, classFlag string
	cols             int
	scale            int
	out              string
	data             data.LocateOptions
}

// newCmdDataShow builds `neurona data show`; runF, if not nil, runs
// instead of showRun. The class is checked against the data's classes when
// they are loaded (classIndex).
func newCmdDataShow(e *env, runF func(*showOptions) error) *cobra.Command {
	o := &showOptions{data: data.LocateOptions{Getenv: e.getenv}}
	digit := -1
	cmd := &cobra.Command{
		Use:   "show [--split train|test] [--n 64] [--class C] [--out samples.png]",
		Short: "draw a grid of images with their labels into a PNG (samples.png)",
		Long: "Draws the first --n images of a split (or of one class) in a grid, each with its label (its class's\n" +
			"name, if the data names its classes) and its index in the split (the index `neurona predict` takes).",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			set := cmd.Flags().Changed
			switch {
			case o.split != "train" && o.split != "test":
				return usagef("--split %q (accepted: train, test)", o.split)
			case o.n < 1 || o.n > 1000:
				return usagef("--n %d (must be 1 to 1000)", o.n)
			case set("class") && set("digit"):
				return usagef("--class and --digit are the same filter (--digit is its old name): give one")
			case set("class") && strings.TrimSpace(o.class) == "":
				return usagef("--class is empty (want a class number or name)")
			case digit < -1:
				return usagef("--digit %d (must be a class number, 0 or more; -1 for all)", digit)
			case o.cols < 0:
				return usagef("--cols %d (must be >= 1)", o.cols)
			case o.scale < 1 || o.scale > 10:
				return usagef("--scale %d (must be 1 to 10)", o.scale)
			case o.out == "":
				return usagef("--out is empty (want a PNG file name)")
			}
			if err := checkOut("--out", o.out); err != nil {
				return err
			}
			switch {
			case set("class"):
				o.class, o.classFlag = strings.TrimSpace(o.class), "--class"
			case digit >= 0:
				o.class, o.classFlag = strconv.Itoa(digit), "--digit"
			}
			if o.cols == 0 {
				o.cols = 10
				if o.n == 64 {
					o.cols = 8
				}
			}
			if runF != nil {
				return runF(o)
			}
			return showRun(e, o)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&o.split, "split", "train", "which images: train or test (MNIST: 60,000 or 10,000)")
	fs.IntVar(&o.n, "n", 64, "how many images (1 to 1000)")
	fs.StringVar(&o.class, "class", "", "only images of this class: its number, or its name if the data names its classes (default: all)")
	fs.IntVar(&digit, "digit", -1, "--class under its old name, from when the classes were MNIST's digits (a number, resolved as --class resolves it); -1 for all")
	fs.IntVar(&o.cols, "cols", 0, "images per row (default: 10, or 8 for 64 images)")
	fs.IntVar(&o.scale, "scale", 3, "screen pixels per image pixel (1 to 10; images larger than "+strconv.Itoa(viz.MaxTile)+" pixels a side are shrunk to fit)")
	fs.StringVar(&o.out, "out", "samples.png", "PNG file to write")
	dataFlags(cmd, &o.data)
	completeWords(cmd, "split", "train", "test")
	return cmd
}

// classIndex returns the class s names among classes: a name of theirs
// first (a class may be named "3": pictures caption it "3", so "3" asks for
// the images captioned 3), else a number 0 to N-1. --class and --digit (its
// old name) resolve the same way, so that both pick the same class when the
// classes are named with numbers. flag is the flag s came from; an unknown
// class is a usage error that says what the data has.
func classIndex(classes data.Classes, flag, s string) (int, error) {
	for i, name := range classes.Names {
		if name == s {
			return i, nil
		}
	}
	i, err := strconv.Atoi(s)
	switch {
	case err == nil && i >= 0 && i < classes.N:
		return i, nil
	case err == nil || errors.Is(err, strconv.ErrRange):
		return 0, usagef("%s %s (the data has classes 0 to %d)", flag, s, classes.N-1)
	case !classes.Named():
		return 0, usagef("%s %q (the data's classes have no names; accepted: 0 to %d)", flag, s, classes.N-1)
	}
	return 0, usagef("%s %q (not a class of the data; accepted: 0 to %d, or a name: %s)", flag, s, classes.N-1, someNames(classes.Names, 5))
}

// someNames lists the first n names, quoted, and how many more there are.
func someNames(names []string, n int) string {
	var quoted []string
	for _, name := range names[:min(n, len(names))] {
		quoted = append(quoted, strconv.Quote(name))
	}
	list := strings.Join(quoted, ", ")
	if len(names) > n {
		list += fmt.Sprintf(", … (%d names)", len(names))
	}
	return list
}

// showRun draws the grid o asks for.
func showRun(e *env, o *showOptions) error {
	m, err := loadMNIST(e, o.data)
	if err != nil {
		return err
	}
	set, name := m.Train, "training"
	if o.split == "test" {
		set, name = m.Test, "test"
	}
	class := -1
	if o.class != "" {
		if class, err = classIndex(m.Classes, o.classFlag, o.class); err != nil {
			return err
		}
	}
	var cells []viz.Cell
	for i := 0; i < set.N && len(cells) < o.n; i++ {
		if class >= 0 && int(set.Labels[i]) != class {
			continue
		}
		c := viz.ImageCell(set, i)
		c.Caption, c.Detail = m.Classes.Name(int(set.Labels[i])), fmt.Sprintf("#%d", i)
		cells = append(cells, c)
	}
	what := fmt.Sprintf("The first %d %s images", len(cells), name)
	switch {
	case class >= 0 && m.Classes.Named():
		what = fmt.Sprintf("The first %d %s images of the class %s", len(cells), name, m.Classes.Name(class))
	case class >= 0:
		what = fmt.Sprintf("The first %d %s images of the %s", len(cells), name, m.Classes.Label(class))
	}
	note := "caption: label and index in the " + o.split + " split"
	shrunk := ""
	if w, h := viz.TileSize(set.Rows, set.Cols, o.scale); w < set.Cols*o.scale || h < set.Rows*o.scale {
		shrunk = fmt.Sprintf("; images of %dx%d pixels shrunk to %dx%d", set.Rows, set.Cols, h, w)
		note += shrunk
	}
	img := viz.WithTitle(viz.DigitGrid(cells, o.cols, o.scale), fmt.Sprintf("%s (of %d)", what, set.N), note)
	if err := viz.WritePNG(o.out, img); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "wrote %s (%d images, %dx%d pixels%s)\n", human.Text(o.out), len(cells), img.Bounds().Dx(), img.Bounds().Dy(), shrunk)
	return nil
}
