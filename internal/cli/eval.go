package cli

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/neurona/neurona/data"
	"github.com/neurona/neurona/internal/human"
	"github.com/neurona/neurona/internal/viz"
	"github.com/neurona/neurona/train"
	"github.com/neurona/neurona/train/backend"
	"github.com/neurona/neurona/train/checkpoint"
	"github.com/neurona/neurona/train/runfolder"
	"github.com/spf13/cobra"
)

// evalOptions is what `neurona eval` was asked to do.
type evalOptions struct {
	path    string // run folder or checkpoint folder
	json    bool
	backend string
	classes string // --classes
	data    data.LocateOptions
}

// modelFlags adds the flags eval, predict and report share.
func modelFlags(cmd *cobra.Command, backend, dataDir, classes *string) {
	fs := cmd.Flags()
	fs.StringVar(backend, "backend", "", "compute backend: go, xla:cuda, xla:cpu (default: $GOMLX_BACKEND, else the best available; see neurona backends)")
	fs.StringVar(dataDir, "data-dir", "", "data folder in MNIST's format (default: the folder the run was trained on)")
	classesFlag(fs, classes)
	completeModelFlags(cmd)
}

// newCmdEval builds `neurona eval`; runF, if not nil, runs instead of
// evalRun.
func newCmdEval(e *env, runF func(*evalOptions) error) *cobra.Command {
	o := &evalOptions{}
	cmd := &cobra.Command{
		Use:   "eval <run-dir|checkpoint>",
		Short: "evaluate a trained model on the test set of the data it was trained on",
		Long: "Evaluates a run's model on the test images of the data it was trained on: loss, accuracy,\n" +
			"per-class precision and recall, and the confusion matrix. A run folder gives the checkpoint\n" +
			"of the epoch the run tested (its best with --restore-best), as train reported it.",
		Args: onePath("the run folder or checkpoint to evaluate"),
		RunE: func(_ *cobra.Command, args []string) error {
			o.path = args[0]
			if err := checkBackend(e, o.backend); err != nil {
				return err
			}
			e.locating(&o.data)
			if runF != nil {
				return runF(o)
			}
			return evalRun(e, o)
		},
	}
	cmd.Flags().BoolVar(&o.json, "json", false, "print one JSON object")
	modelFlags(cmd, &o.backend, &o.data.DataDir, &o.classes)
	return cmd
}

// checkBackend makes an unknown or unavailable backend a usage error: the
// requested one (--backend), else $GOMLX_BACKEND's, each error saying
// where the name came from.
func checkBackend(e *env, requested string) error {
	if requested == "" && e.getenv(backend.EnvBackend) == "" {
		return nil // the best available: checked when created
	}
	if _, err := backend.Choose(requested); err != nil {
		if requested == "" {
			return usagef("%v", err) // it names $GOMLX_BACKEND
		}
		return usagef("--backend: %v", err)
	}
	return nil
}

// openTrained loads the checkpoint path names on the requested backend:
// for a run folder, the checkpoint of the epoch the run tested (see
// runCheckpoint), so eval and predict agree with what train printed. The
// caller must call release when done with the model.
func openTrained(e *env, name, path, requested string) (t *train.Trained, backendName string, release func(), err error) {
	c, err := runCheckpoint(e, name, path)
	if err != nil {
		return nil, "", nil, err
	}
	b, backendName, err := e.newBackend(requested)
	if err != nil {
		return nil, "", nil, err
	}
	t, err = train.LoadTrained(b, c)
	if err != nil {
		b.Finalize()
		return nil, "", nil, err
	}
	return t, backendName, b.Finalize, nil
}

// evalReport is `neurona eval --json`: the evaluation and what was evaluated.
type evalReport struct {
	Checkpoint string `json:"checkpoint"`
	Model      string `json:"model"`
	Step       int    `json:"step"`
	Epoch      int    `json:"epoch"`
	Backend    string `json:"backend"`
	Data       string `json:"data"`
	// OtherData is set when the data is not what the run was trained on.
	OtherData bool   `json:"other_data"`
	Warning   string `json:"warning,omitempty"`
	// Classes names the rows and columns of the confusion matrix and the
	// entries of precision and recall; absent when they are numbers.
	Classes []string `json:"classes,omitempty"`
	*runfolder.Evaluation
}

// warnIf is the warning of outputs made on other data, if other.
func warnIf(other bool) string {
	if other {
		return otherDataWarning
	}
	return ""
}

// evalRun evaluates as o says.
func evalRun(e *env, o *evalOptions) error {
	t, backendName, release, err := openTrained(e, "eval", o.path, o.backend)
	if err != nil {
		return err
	}
	defer release()
	if err := nameRun(t, o.classes); err != nil {
		return err
	}
	c := t.Checkpoint
	mnist, other, err := trainedData(e, c, o.data)
	if err != nil {
		return err
	}
	if other {
		fmt.Fprintf(e.stdout, "WARNING     %s: %s is not the data %s was trained on\n", otherDataWarning, human.Text(mnist.Dir), human.Text(c.Dir))
	}
	ev, err := t.Evaluate(mnist.Test)
	if err != nil {
		return fmt.Errorf("evaluate %s: %w", c.Dir, err)
	}
	if o.json {
		if err := writeJSON(e.stdout, evalReport{Checkpoint: c.Dir, Model: t.Config.Model.String(),
			Step: c.Manifest.Step, Epoch: c.Manifest.Epoch, Backend: backendName, Data: mnist.Dir, OtherData: other,
			Warning: warnIf(other), Classes: t.Data.Classes.Names, Evaluation: ev}); err != nil {
			return err
		}
	} else if err := printEvaluation(e.stdout, c, t, backendName, mnist, ev); err != nil {
		return err
	}
	if isCheckpoint(o.path) {
		return nil
	}
	if other {
		// The run's pictures show its own data: never replace them.
		fmt.Fprintf(e.stderr, "neurona eval: the run's pictures were left as they are (%s)\n", otherDataWarning)
		return nil
	}
	// The results are out; the pictures can only add a warning.
	pictures, err := drawEvalPictures(e, o.path, mnist, t.Data.Classes, ev)
	if err != nil {
		fmt.Fprintf(e.stderr, "neurona eval: warning: the run's pictures: %s\n", oneLine(err.Error()))
	}
	if len(pictures) > 0 && !o.json {
		fmt.Fprintf(e.stdout, "\npictures    %s in %s\n", strings.Join(pictures, ", "), human.Text(o.path))
	}
	return nil
}

// printEvaluation prints eval's results as text.
func printEvaluation(out io.Writer, c *checkpoint.Checkpoint, t *train.Trained, backendName string, mnist *data.MNIST, ev *runfolder.Evaluation) error {
	fmt.Fprintf(out, "checkpoint  %s\n", checkpointLine(c))
	fmt.Fprintf(out, "model       %s\n", t.Config.Model)
	fmt.Fprintf(out, "backend     %s\n", backendName)
	fmt.Fprintf(out, "data        %d test images from %s\n", ev.Examples, human.Text(describeData(mnist.Dir, mnist.Source)))
	fmt.Fprintf(out, "test        loss %.4f  accuracy %.4f  (%d correct, %d wrong)\n\n",
		ev.Loss, ev.Accuracy, ev.Examples-len(ev.Wrong), len(ev.Wrong))
	if err := printClassTable(out, ev, t.Data.Classes); err != nil {
		return err
	}
	fmt.Fprintln(out)
	return printConfusion(out, ev.Confusion, t.Data.Classes)
}

// drawEvalPictures redraws the pictures of the run folder runDir from ev,
// with the run folder locked, and returns the names of the files written.
// Damaged lines of metrics.jsonl are warned about on stderr.
func drawEvalPictures(e *env, runDir string, mnist *data.MNIST, classes data.Classes, ev *runfolder.Evaluation) ([]string, error) {
	unlock, err := lockRunForWriting(runDir, "the pictures were")
	if err != nil {
		return nil, err
	}
	defer unlock()
	paths, damaged, err := viz.RunPictures(runDir, mnist.Test, ev, classes)
	for _, d := range damaged {
		fmt.Fprintf(e.stderr, "neurona eval: warning: %s\n", human.Text(d))
	}
	for i := range paths {
		paths[i] = filepath.Base(paths[i])
	}
	return paths, err
}

// printClassTable prints per-class precision, recall and support, and
// their unweighted means, each class by its name (or number).
func printClassTable(out io.Writer, ev *runfolder.Evaluation, classes data.Classes) error {
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(w, "%s\tprecision\trecall\timages\t\n", classes.Noun())
	var sumP, sumR float64
	for c := range ev.Precision {
		support := 0
		for _, n := range ev.Confusion[c] {
			support += n
		}
		sumP, sumR = sumP+ev.Precision[c], sumR+ev.Recall[c]
		fmt.Fprintf(w, "%s\t%.4f\t%.4f\t%d\t\n", classes.Name(c), ev.Precision[c], ev.Recall[c], support)
	}
	k := float64(len(ev.Precision))
	fmt.Fprintf(w, "mean\t%.4f\t%.4f\t%d\t\n", sumP/k, sumR/k, ev.Examples)
	return w.Flush()
}

// maxConfusionText is the most classes whose confusion matrix eval prints
// as text; beyond it rows wrap on any terminal (confusion.png and --json
// still hold it all).
const maxConfusionText = 30

// printConfusion prints the confusion matrix, rows the true class and
// columns the predicted one, with right-aligned counts. Named classes are
// listed first with their numbers, which head the rows and columns.
func printConfusion(out io.Writer, confusion [][]int, classes data.Classes) error {
	noun := classes.Noun()
	var b strings.Builder
	if len(confusion) > maxConfusionText {
		fmt.Fprintf(&b, "confusion matrix: %d classes are too many for text; see confusion.png or --json\n", len(confusion))
		_, err := io.WriteString(out, b.String())
		return err
	}
	if classes.Named() {
		b.WriteString("classes    ")
		for c := range confusion {
			fmt.Fprintf(&b, " %d %s", c, classes.Name(c))
			if c < len(confusion)-1 {
				b.WriteString(",")
			}
		}
		b.WriteString("\n")
	}
	width := len("true")
	for _, row := range confusion {
		for _, n := range row {
			width = max(width, len(fmt.Sprint(n)))
		}
	}
	fmt.Fprintf(&b, "confusion matrix (rows: true %s, columns: predicted %s)\n", noun, noun)
	fmt.Fprintf(&b, "%*s", width, "true")
	for p := range confusion {
		fmt.Fprintf(&b, " %*d", width, p)
	}
	b.WriteString("\n")
	for t, row := range confusion {
		fmt.Fprintf(&b, "%*d", width, t)
		for _, n := range row {
			fmt.Fprintf(&b, " %*d", width, n)
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(out, b.String())
	return err
}

// checkpointLine describes a checkpoint in one line for output headers.
func checkpointLine(c *checkpoint.Checkpoint) string {
	return fmt.Sprintf("%s (step %d, epoch %d)", human.Text(c.Dir), c.Manifest.Step, c.Manifest.Epoch)
}
