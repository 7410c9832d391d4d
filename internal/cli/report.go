package cli

import (
	"fmt"
	"path/filepath"

	"github.com/neurona/neurona/data"
	"github.com/neurona/neurona/internal/human"
	"github.com/neurona/neurona/internal/report"
	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train"
	"github.com/spf13/cobra"
)

// reportOptions is what `neurona report` was asked to write.
type reportOptions struct {
	runDir  string
	out     string // default: report.html in the run folder
	backend string
	classes string // --classes
	data    data.LocateOptions
}

// newCmdReport builds `neurona report`; runF, if not nil, runs instead
// of reportRun.
func newCmdReport(e *env, runF func(*reportOptions) error) *cobra.Command {
	o := &reportOptions{}
	cmd := &cobra.Command{
		Use:   "report <run-dir>",
		Short: "write a run's report.html: configuration, curves, confusion matrix, mistakes",
		Args:  onePath("the run folder to report on"),
		RunE: func(_ *cobra.Command, args []string) error {
			o.runDir = args[0]
			if err := checkPath(o.runDir, false); err != nil {
				return err
			}
			if err := checkBackend(e, o.backend); err != nil {
				return err
			}
			if o.out == "" {
				o.out = filepath.Join(o.runDir, report.File)
			}
			if err := checkOut("--out", o.out); err != nil {
				return err
			}
			e.locating(&o.data)
			if runF != nil {
				return runF(o)
			}
			return reportRun(e, o)
		},
		ValidArgsFunction: completeDirs,
	}
	cmd.Flags().StringVar(&o.out, "out", "", "HTML file to write (default: report.html in the run folder)")
	modelFlags(cmd, &o.backend, &o.data.DataDir, &o.classes)
	return cmd
}

// reportRun writes the report o asks for.
func reportRun(e *env, o *reportOptions) error {
	if inside(o.out, o.runDir) {
		unlock, err := lockRunForWriting(o.runDir, "the report was")
		if err != nil {
			return fmt.Errorf("%w (or write the report elsewhere with --out FILE)", err)
		}
		defer unlock()
	}
	summary, metrics, damaged, err := report.ReadRun(o.runDir)
	if err != nil {
		return err
	}
	for _, d := range damaged {
		fmt.Fprintf(e.stderr, "neurona report: warning: %s\n", human.Text(d))
	}
	c, err := runCheckpoint(e, "report", o.runDir)
	if err != nil {
		return err
	}
	b, backendName, err := e.newBackend(o.backend)
	if err != nil {
		return err
	}
	defer b.Finalize()
	t, err := train.LoadTrained(b, c)
	if err != nil {
		return err
	}
	if err := nameRun(t, o.classes); err != nil {
		return err
	}
	params, _ := models.ParamsOf(t.Model)
	mnist, other, err := trainedData(e, c, o.data)
	if err != nil {
		return err
	}
	warning := ""
	if other {
		warning = fmt.Sprintf("%s: %s is not the data %s was trained on", otherDataWarning, mnist.Dir, c.Dir)
		fmt.Fprintf(e.stdout, "WARNING     %s\n", human.Text(warning))
	}
	ev, err := t.Evaluate(mnist.Test)
	if err != nil {
		return fmt.Errorf("evaluate %s: %w", c.Dir, err)
	}
	in := &report.Input{
		RunDir: o.runDir, Summary: summary, Metrics: metrics.Epochs, Steps: metrics.Steps,
		Config: t.Config, Params: params,
		Checkpoint: c.Dir, Step: c.Manifest.Step, Epoch: c.Manifest.Epoch,
		EvalBackend: backendName, Test: mnist.Test, Eval: ev, Warning: warning, Classes: t.Data.Classes,
	}
	if err := report.Write(o.out, in); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "wrote %s (%s, test accuracy %.4f)\n", human.Text(o.out), t.Config.Model, ev.Accuracy)
	return nil
}
