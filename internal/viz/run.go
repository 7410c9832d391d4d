package viz

import (
	"errors"
	"fmt"
	"image"
	"io/fs"
	"path/filepath"
	"slices"

	"github.com/neurona/neurona/data"
	"github.com/neurona/neurona/train/runfolder"
)

// Files RunPictures writes into a run folder.
const (
	MisclassifiedFile = "misclassified.png"
	ConfusionFile     = "confusion.png"
	CurvesFile        = "curves.png"
)

// Picture sizes of the run folder's grids.
const (
	// MaxMisclassified is how many mistakes misclassified.png shows.
	MaxMisclassified = 100
	gridCols         = 10
	// gridTile is about how many pixels a side the grids' images take:
	// MNIST's 28x28 digits at scale 3.
	gridTile = 84
	// maxGridScale bounds the scale up of tiny images (a 4x4 dataset).
	maxGridScale = 8
	// captionNameRunes is how much of each class name a "true → predicted"
	// caption keeps, so that both names show in one cell.
	captionNameRunes = 10
)

// gridScale is the scale of a run grid's images: that which makes them
// about gridTile pixels a side (3 for MNIST), 1 for images larger than
// that (which TileSize shrinks past MaxTile).
func gridScale(set *data.Set) int {
	return min(max(gridTile/max(set.Rows, set.Cols, 1), 1), maxGridScale)
}

// mistakeCaption is "true→predicted": "4→9" for classes known by
// number, "cat → dog" with the names (each cut to captionNameRunes).
func mistakeCaption(classes data.Classes, truth, pred int) string {
	if classes.Named() {
		return shorten(classes.Name(truth), captionNameRunes) + " → " + shorten(classes.Name(pred), captionNameRunes)
	}
	return fmt.Sprintf("%d→%d", truth, pred)
}

// Misclassified returns up to limit of the examples ev got wrong, most
// confident mistakes first, captioned "true→predicted" (by the classes'
// names where they have them) with the example's index in set ("#123",
// what `neurona predict --test-index` takes) and the confidence as detail.
//
// The perceptron's outputs are step functions (0 or 1), not confidences:
// for them the caption has no number and the order is the set's.
func Misclassified(set *data.Set, ev *runfolder.Evaluation, classes data.Classes, limit int) []Cell {
	wrong := slices.Clone(ev.Wrong)
	calibrated := graded(ev.Probs)
	if calibrated {
		slices.SortStableFunc(wrong, func(a, b int) int {
			return -cmpFloat(confidence(ev, a), confidence(ev, b))
		})
	}
	wrong = wrong[:min(len(wrong), max(limit, 0))]
	cells := make([]Cell, 0, len(wrong))
	for _, i := range wrong {
		c := ImageCell(set, i)
		c.Caption, c.Color = mistakeCaption(classes, int(set.Labels[i]), ev.Predicted[i]), mistakeFg
		c.Detail = detail(ev, i, calibrated)
		cells = append(cells, c)
	}
	return cells
}

// Correct returns n examples ev got right, spread evenly over the set (a
// deterministic sample, the same for every run on the same set),
// captioned with the class (its name, or number), with the example's index
// and the confidence as detail.
func Correct(set *data.Set, ev *runfolder.Evaluation, classes data.Classes, n int) []Cell {
	var right []int
	wrong := map[int]bool{}
	for _, i := range ev.Wrong {
		wrong[i] = true
	}
	for i := range ev.Predicted {
		if !wrong[i] {
			right = append(right, i)
		}
	}
	calibrated := graded(ev.Probs)
	var cells []Cell
	for k := range min(n, len(right)) {
		i := right[k*len(right)/min(n, len(right))]
		c := ImageCell(set, i)
		c.Caption, c.Color = classes.Name(ev.Predicted[i]), correctFg
		c.Detail = detail(ev, i, calibrated)
		cells = append(cells, c)
	}
	return cells
}

// detail is a cell's grey text: the example's index, and the confidence
// when the outputs are graded ("#123 0.98").
func detail(ev *runfolder.Evaluation, i int, graded bool) string {
	if graded {
		return fmt.Sprintf("#%d %.2f", i, confidence(ev, i))
	}
	return fmt.Sprintf("#%d", i)
}

// confidence is the model's output for the class it predicted for example i.
func confidence(ev *runfolder.Evaluation, i int) float64 {
	if i >= len(ev.Probs) || ev.Predicted[i] >= len(ev.Probs[i]) {
		return 0
	}
	return float64(ev.Probs[i][ev.Predicted[i]])
}

// graded reports whether probs hold any value other than 0 and 1.
func graded(probs [][]float32) bool {
	for _, row := range probs {
		for _, p := range row {
			if p != 0 && p != 1 {
				return true
			}
		}
	}
	return false
}

// MisclassifiedImage is the titled grid of misclassified.png, its
// captions naming classes.
func MisclassifiedImage(set *data.Set, ev *runfolder.Evaluation, classes data.Classes) image.Image {
	cells := Misclassified(set, ev, classes, MaxMisclassified)
	title := fmt.Sprintf("Misclassified: %d of %d images wrong", len(ev.Wrong), len(ev.Predicted))
	note := misclassifiedNote(classes, graded(ev.Probs))
	if len(cells) < len(ev.Wrong) {
		title += fmt.Sprintf(", the %d most confident shown", len(cells))
		if !graded(ev.Probs) {
			title = fmt.Sprintf("Misclassified: %d of %d images wrong, the first %d shown", len(ev.Wrong), len(ev.Predicted), len(cells))
		}
	}
	return WithTitle(DigitGrid(cells, gridCols, gridScale(set)), title, note)
}

// misclassifiedNote says how to read misclassified.png's captions:
// "true digit → predicted digit" for MNIST, "class" for other classes.
func misclassifiedNote(classes data.Classes, graded bool) string {
	noun := classes.Noun()
	if !graded {
		return fmt.Sprintf("caption: true %s → predicted %s and the test index, for predict --test-index (the perceptron's step outputs give no confidence)", noun, noun)
	}
	return fmt.Sprintf("caption: true %s → predicted %s, the test index (for predict --test-index) and the model's confidence; most confident mistakes first", noun, noun)
}

// CorrectImage is a titled grid of n correctly classified examples,
// captioned with their classes' names.
func CorrectImage(set *data.Set, ev *runfolder.Evaluation, classes data.Classes, n int) image.Image {
	cells := Correct(set, ev, classes, n)
	note := fmt.Sprintf("caption: predicted %s, the test index and the model's confidence", classes.Noun())
	if !graded(ev.Probs) {
		note = "caption: predicted " + classes.Noun() + " and the test index"
	}
	return WithTitle(DigitGrid(cells, gridCols, gridScale(set)),
		fmt.Sprintf("Correct: %d of %d images, a sample of %d spread over the set", len(ev.Predicted)-len(ev.Wrong), len(ev.Predicted), len(cells)), note)
}

// RunPictures writes misclassified.png and confusion.png for ev, the
// evaluation of set, their captions and labels naming classes (those the
// model was trained on), and curves.png from the run's metrics.jsonl,
// into runDir, and returns the paths it wrote. A run folder without
// metrics.jsonl (or without a finished epoch) gets no curves.png; the
// damaged lines of metrics.jsonl are skipped and described in warnings.
func RunPictures(runDir string, set *data.Set, ev *runfolder.Evaluation, classes data.Classes) (paths, warnings []string, err error) {
	if len(ev.Predicted) != set.N {
		return nil, nil, fmt.Errorf("viz: evaluation of %d examples for a set of %d", len(ev.Predicted), set.N)
	}
	write := func(name string, img image.Image) error {
		path := filepath.Join(runDir, name)
		if err := WritePNG(path, img); err != nil {
			return err
		}
		paths = append(paths, path)
		return nil
	}
	if err := write(MisclassifiedFile, MisclassifiedImage(set, ev, classes)); err != nil {
		return paths, nil, err
	}
	if err := write(ConfusionFile, ConfusionImage(ev.Confusion, classes)); err != nil {
		return paths, nil, err
	}
	metrics, warnings, err := runfolder.ReadRunMetrics(filepath.Join(runDir, "metrics.jsonl"))
	if errors.Is(err, fs.ErrNotExist) || (err == nil && len(metrics.Epochs) == 0) {
		return paths, warnings, nil
	}
	if err != nil {
		return paths, warnings, err
	}
	img, err := Curves(metrics)
	if err != nil {
		return paths, warnings, err
	}
	return paths, warnings, write(CurvesFile, img)
}
