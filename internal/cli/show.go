package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/neurona/neurona/data"
	"github.com/neurona/neurona/internal/viz"
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

// parseShow fills showOptions from args. The class is checked against the
// data's classes when they are loaded (classIndex).
func parseShow(args []string, e *env) (*showOptions, error) {
	fs, lo := dataFlags(e, "show")
	fs.Usage = func() {
		fmt.Fprintln(e.stdout, "Usage: neurona data show [--split train|test] [--n 64] [--class C] [--out samples.png] [flags]\n\n"+
			"Draws the first --n images of a split (or of one class) in a grid, each with its label (its class's\n"+
			"name, if the data names its classes) and its index in the split (the index `neurona predict` takes).\n\nFlags:")
		fs.SetOutput(e.stdout)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	o := &showOptions{}
	digit := -1
	fs.StringVar(&o.split, "split", "train", "which images: train or test (MNIST: 60,000 or 10,000)")
	fs.IntVar(&o.n, "n", 64, "how many images (1 to 1000)")
	fs.StringVar(&o.class, "class", "", "only images of this class: its number, or its name if the data names its classes (default: all)")
	fs.IntVar(&digit, "digit", -1, "only images of this class number: --class under its old name, from when the classes were MNIST's digits; -1 for all")
	fs.IntVar(&o.cols, "cols", 0, "images per row (default: 10, or 8 for 64 images)")
	fs.IntVar(&o.scale, "scale", 3, "screen pixels per image pixel (1 to 10; images larger than "+strconv.Itoa(viz.MaxTile)+" pixels a side are shrunk to fit)")
	fs.StringVar(&o.out, "out", "samples.png", "PNG file to write")
	if err := parseFlags(fs, args); err != nil {
		return nil, err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	switch {
	case fs.NArg() > 0:
		return nil, usagef("unexpected argument %q (data show takes only flags)", fs.Arg(0))
	case o.split != "train" && o.split != "test":
		return nil, usagef("--split %q (accepted: train, test)", o.split)
	case o.n < 1 || o.n > 1000:
		return nil, usagef("--n %d (must be 1 to 1000)", o.n)
	case set["class"] && set["digit"]:
		return nil, usagef("--class and --digit are the same filter (--digit is its old name): give one")
	case set["class"] && strings.TrimSpace(o.class) == "":
		return nil, usagef("--class is empty (want a class number or name)")
	case digit < -1:
		return nil, usagef("--digit %d (must be a class number, 0 or more; -1 for all)", digit)
	case o.cols < 0:
		return nil, usagef("--cols %d (must be >= 1)", o.cols)
	case o.scale < 1 || o.scale > 10:
		return nil, usagef("--scale %d (must be 1 to 10)", o.scale)
	case o.out == "":
		return nil, usagef("--out is empty (want a PNG file name)")
	}
	switch {
	case set["class"]:
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
	o.data = *lo
	return o, nil
}

// classIndex returns the class s names among classes: for --class a name
// of theirs (names first: a class may be named "3"), else a number 0 to
// N-1; for --digit a number. flag is the flag s came from; an unknown
// class is a usage error that says what the data has.
func classIndex(classes data.Classes, flag, s string) (int, error) {
	for i, name := range classes.Names {
		if name == s && flag == "--class" {
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
	fmt.Fprintf(e.stdout, "wrote %s (%d images, %dx%d pixels%s)\n", o.out, len(cells), img.Bounds().Dx(), img.Bounds().Dy(), shrunk)
	return nil
}
