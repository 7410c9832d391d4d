package cli

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/neurona/neurona/data"
	"github.com/neurona/neurona/internal/human"
	"github.com/spf13/cobra"
)

// predictOptions is what `neurona predict` was asked to do.
type predictOptions struct {
	path      string   // run folder or checkpoint folder
	images    []string // PNG files
	testIndex []int    // indices into the MNIST test set
	json      bool
	backend   string
	classes   string // --classes
	data      data.LocateOptions
}

// indexList is the --test-index flag: comma-separated indices or ranges
// (3,14,100-109), which may be given more than once.
type indexList struct{ list *[]int }

// maxIndices bounds what one --test-index may ask for (the test set's size).
const maxIndices = 10000

func (l indexList) String() string {
	if l.list == nil {
		return ""
	}
	parts := make([]string, len(*l.list))
	for i, n := range *l.list {
		parts[i] = strconv.Itoa(n)
	}
	return strings.Join(parts, ",")
}

// Type is how help names the flag's value.
func (l indexList) Type() string { return "indices" }

func (l indexList) Set(s string) error {
	for item := range strings.SplitSeq(s, ",") {
		lo, hi, isRange := strings.Cut(strings.TrimSpace(item), "-")
		a, err := strconv.Atoi(lo)
		b := a
		if err == nil && isRange {
			b, err = strconv.Atoi(hi)
		}
		if err != nil || a < 0 || b < a {
			return fmt.Errorf("%q is not an index or range (want N[,M...] or A-B, e.g. 0,7,100-109)", item)
		}
		if b-a >= maxIndices || len(*l.list)+b-a+1 > maxIndices {
			return fmt.Errorf("more than %d indices", maxIndices)
		}
		for n := a; n <= b; n++ {
			*l.list = append(*l.list, n)
		}
	}
	return nil
}

// newCmdPredict builds `neurona predict`: the checkpoint first, then PNG
// files, with flags anywhere; runF, if not nil, runs instead of
// predictRun.
func newCmdPredict(e *env, runF func(*predictOptions) error) *cobra.Command {
	o := &predictOptions{}
	cmd := &cobra.Command{
		Use:   "predict <run-dir|checkpoint> [image.png ...] [--test-index N[,M,A-B]]",
		Short: "predict the classes of PNG images or of test images",
		Long: "Predicts the class of each PNG image (converted the way MNIST's digits were made) or test image\n" +
			"of the run's data, with the model's confidence and its outputs per class.",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usagef("missing the run folder or checkpoint to predict with (see `%s --help`)", cmd.CommandPath())
			}
			if len(args) == 1 && len(o.testIndex) == 0 {
				return usagef("no images: give PNG files after the run folder, or --test-index N")
			}
			return nil
		},
		RunE: func(_ *cobra.Command, args []string) error {
			o.path, o.images = args[0], args[1:]
			if err := checkBackend(e, o.backend); err != nil {
				return err
			}
			e.locating(&o.data)
			if runF != nil {
				return runF(o)
			}
			return predictRun(e, o)
		},
	}
	cmd.Flags().Var(indexList{&o.testIndex}, "test-index", "test images of the run's data to predict, by index from 0: N[,M...] or A-B (may repeat)")
	cmd.Flags().BoolVar(&o.json, "json", false, "print one JSON object")
	modelFlags(cmd, &o.backend, &o.data.DataDir, &o.classes)
	return cmd
}

// prediction is one image's result. Classes are numbers; ClassName and
// LabelName are their names when the classes have names. A model with
// probabilities has a Confidence (the predicted class's); the perceptron,
// whose outputs are steps, has a Margin instead: the predicted class's
// score minus the runner-up's (how far the decision was from a tie).
type prediction struct {
	Name          string    `json:"name"`
	Label         *int      `json:"label,omitempty"` // the true class, for test images
	LabelName     string    `json:"label_name,omitempty"`
	Class         int       `json:"class"` // the predicted class
	ClassName     string    `json:"class_name,omitempty"`
	Confidence    *float32  `json:"confidence,omitempty"`
	Margin        *float32  `json:"margin,omitempty"`
	Probabilities []float32 `json:"probabilities"` // per class, class 0 first
}

// margin is scores[class] minus the largest other score.
func margin(scores []float32, class int) float32 {
	runnerUp := float32(math.Inf(-1))
	for c, s := range scores {
		if c != class && s > runnerUp {
			runnerUp = s
		}
	}
	return scores[class] - runnerUp
}

// maxClassColumns is the most classes predict prints a column for; with
// more, it prints the three most likely instead (--json holds them all).
const maxClassColumns = 16

// predictReport is `neurona predict --json`.
type predictReport struct {
	Checkpoint  string       `json:"checkpoint"`
	Model       string       `json:"model"`
	Outputs     string       `json:"outputs"` // what the probabilities are
	Predictions []prediction `json:"predictions"`
}

// predictRun predicts as o says.
func predictRun(e *env, o *predictOptions) error {
	// Read the images first: a bad file fails before the model is loaded.
	var pixels []uint8
	var preds []prediction
	for _, path := range o.images {
		px, err := data.LoadPNG(path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return usagef("image %s does not exist", path)
		case errors.Is(err, data.ErrBlankImage), errors.Is(err, data.ErrImageSize):
			// A readable image that is not a digit to classify: a bad input,
			// like a value out of range, not a damaged file.
			return usagef("image %s", oneLine(err.Error())) // the error names the file first
		case errors.Is(err, data.ErrNotRegular): // a folder, pipe or device: exit 2
			return fmt.Errorf("image %w", err)
		case err != nil:
			// "image PATH: why", not os's "open PATH: why".
			if pe := (*fs.PathError)(nil); errors.As(err, &pe) {
				return fmt.Errorf("image %s: %s", pe.Path, oneLine(pe.Err.Error()))
			}
			return fmt.Errorf("image %s", oneLine(err.Error()))
		}
		pixels = append(pixels, px...)
		preds = append(preds, prediction{Name: path})
	}
	t, _, release, err := openTrained(e, "predict", o.path, o.backend)
	if err != nil {
		return err
	}
	defer release()
	if err := nameRun(t, o.classes); err != nil {
		return err
	}
	if d := t.Data; len(o.images) > 0 && t.Config.Model.Inputs != data.PNGSide*data.PNGSide {
		return fmt.Errorf("%s takes images of %dx%d pixels, but PNG files are converted to MNIST's %dx%d digits; predict its own data with --test-index",
			t.Checkpoint.Dir, d.ImageRows, d.ImageCols, data.PNGSide, data.PNGSide)
	}
	if len(o.testIndex) > 0 {
		mnist, other, err := trainedData(e, t.Checkpoint, o.data)
		if err != nil {
			return err
		}
		if other {
			fmt.Fprintf(e.stderr, "neurona predict: warning: %s: %s is not the data %s was trained on\n", otherDataWarning, human.Text(mnist.Dir), human.Text(t.Checkpoint.Dir))
		}
		set := mnist.Test
		for _, i := range o.testIndex {
			if i >= set.N {
				return usagef("--test-index %d is out of range (the test set has images 0..%d)", i, set.N-1)
			}
			label := int(set.Labels[i])
			pixels = append(pixels, set.Image(i)...)
			preds = append(preds, prediction{Name: fmt.Sprintf("test[%d]", i), Label: &label})
		}
	}
	probs, scores, classes, err := t.PredictScores(pixels, len(preds))
	if err != nil {
		return err
	}
	names := t.Data.Classes
	outputs := t.Model.Outputs()
	for i := range preds {
		preds[i].Class, preds[i].Probabilities = classes[i], probs[i]
		if !outputs.HasConfidence() {
			m := margin(scores[i], classes[i])
			preds[i].Margin = &m
		} else {
			c := probs[i][classes[i]]
			preds[i].Confidence = &c
		}
		if names.Named() {
			preds[i].ClassName = names.Name(classes[i])
			if preds[i].Label != nil {
				preds[i].LabelName = names.Name(*preds[i].Label)
			}
		}
	}
	if o.json {
		return writeJSON(e.stdout, predictReport{Checkpoint: t.Checkpoint.Dir, Model: t.Config.Model.String(),
			Outputs: string(outputs), Predictions: preds})
	}
	fmt.Fprintf(e.stdout, "checkpoint  %s\n", checkpointLine(t.Checkpoint))
	fmt.Fprintf(e.stdout, "model       %s\n", t.Config.Model)
	fmt.Fprintf(e.stdout, "outputs     %s\n\n", outputs.Description())
	format := "%.3f"
	if !outputs.HasConfidence() { // 0 or 1
		format = "%.0f"
	}
	w := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	k := t.Config.Model.Classes
	measure := "CONFIDENCE"
	if !outputs.HasConfidence() {
		measure = "MARGIN"
	}
	fmt.Fprintf(w, "IMAGE\tTRUE\t%s\t%s", strings.ToUpper(names.Noun()), measure)
	if k <= maxClassColumns {
		for c := range k {
			fmt.Fprintf(w, "\t%s", names.Name(c))
		}
	} else {
		fmt.Fprint(w, "\tMOST LIKELY")
	}
	fmt.Fprintln(w)
	for _, p := range preds {
		label := "-"
		if p.Label != nil {
			label = names.Name(*p.Label)
		}
		measure := ""
		if p.Margin != nil {
			measure = fmt.Sprintf("%.3f", *p.Margin)
		} else if p.Confidence != nil {
			measure = fmt.Sprintf("%.3f", *p.Confidence)
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s", human.Text(p.Name), label, names.Name(p.Class), measure)
		if k <= maxClassColumns {
			for _, v := range p.Probabilities {
				fmt.Fprintf(w, "\t"+format, v)
			}
		} else {
			fmt.Fprintf(w, "\t%s", mostLikely(p.Probabilities, names, 3, format))
		}
		fmt.Fprintln(w)
	}
	return w.Flush()
}

// mostLikely lists the n classes with the highest outputs, highest first,
// as "cat 0.912, dog 0.051, bird 0.020".
func mostLikely(outputs []float32, names data.Classes, n int, format string) string {
	order := make([]int, len(outputs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(outputs[b], outputs[a]) })
	parts := make([]string, 0, n)
	for _, c := range order[:min(n, len(order))] {
		parts = append(parts, fmt.Sprintf("%s "+format, names.Name(c), outputs[c]))
	}
	return strings.Join(parts, ", ")
}
