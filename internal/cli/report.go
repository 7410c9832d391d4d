package cli

import (
	"fmt"
	"path/filepath"

	"github.com/neurona/neurona/data"
	"github.com/neurona/neurona/internal/report"
	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train"
	"github.com/neurona/neurona/train/backend"
)

// reportOptions is what `neurona report` was asked to write.
type reportOptions struct {
	runDir  string
	out     string // default: report.html in the run folder
	backend string
	classes string // --classes
	data    data.LocateOptions
}

// parseReport fills reportOptions from args; flags may follow the folder.
func parseReport(args []string, e *env) (*reportOptions, error) {
	fs := newFlags("report", "report <run-dir> [--out FILE] [--data-dir DIR] [--backend B]", e.stdout)
	o := &reportOptions{}
	fs.StringVar(&o.out, "out", "", "HTML file to write (default: report.html in the run folder)")
	modelFlags(fs, &o.backend, &o.data.DataDir, &o.classes)
	path, err := onePath(fs, args, "the run folder to report on")
	if err != nil {
		return nil, err
	}
	o.runDir = path
	if err := checkPath(o.runDir, false); err != nil {
		return nil, err
	}
	if err := checkBackend(o.backend); err != nil {
		return nil, err
	}
	if o.out == "" {
		o.out = filepath.Join(o.runDir, report.File)
	}
	o.data.Getenv, o.data.Download = e.getenv, true
	o.data.Logf = func(format string, args ...any) { fmt.Fprintf(e.stderr, format+"\n", args...) }
	return o, nil
}

func runReport(e *env, args []string) error {
	o, err := parseReport(args, e)
	if err != nil {
		return err
	}
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
		fmt.Fprintf(e.stderr, "neurona report: warning: %s\n", d)
	}
	c, err := runCheckpoint(e, "report", o.runDir)
	if err != nil {
		return err
	}
	b, backendName, err := backend.New(o.backend)
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
	params, _, err := models.Params(b, t.Model)
	if err != nil {
		return err
	}
	mnist, other, err := trainedData(e, c, o.data)
	if err != nil {
		return err
	}
	warning := ""
	if other {
		warning = fmt.Sprintf("%s: %s is not the data %s was trained on", otherDataWarning, mnist.Dir, c.Dir)
		fmt.Fprintf(e.stdout, "WARNING     %s\n", warning)
	}
	ev, err := t.Evaluate(mnist.Test)
	if err != nil {
		return fmt.Errorf("evaluate %s: %w", c.Dir, err)
	}
	in := &report.Input{
		RunDir: o.runDir, Summary: summary, Metrics: metrics,
		Config: t.Config, Params: params,
		Checkpoint: c.Dir, Step: c.Manifest.Step, Epoch: c.Manifest.Epoch,
		EvalBackend: backendName, Test: mnist.Test, Eval: ev, Warning: warning, Classes: t.Data.Classes,
	}
	if err := report.Write(o.out, in); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "wrote %s (%s, test accuracy %.4f)\n", o.out, t.Config.Model, ev.Accuracy)
	return nil
}
