package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"

	"github.com/neurona/neurona/internal/human"
	"github.com/neurona/neurona/internal/viz"
	"github.com/neurona/neurona/train"
	"github.com/neurona/neurona/train/checkpoint"
	"github.com/neurona/neurona/train/runfolder"
	"github.com/spf13/cobra"
)

// explainOptions is what `neurona explain` was asked to draw.
type explainOptions struct {
	path  string // run folder or checkpoint folder
	out   string // default: explain.png in the run folder
	units int
	cols  int
	scale int
}

// newCmdExplain builds `neurona explain`; runF, if not nil, runs instead
// of explainRun.
func newCmdExplain(e *env, runF func(*explainOptions) error) *cobra.Command {
	o := &explainOptions{}
	cmd := &cobra.Command{
		Use:   "explain <run-dir|checkpoint>",
		Short: "draw what a trained model's first layer looks for, as weight images",
		Args:  onePath("the run folder or checkpoint to explain"),
		RunE: func(_ *cobra.Command, args []string) error {
			o.path = args[0]
			switch {
			case o.units < 1 || o.units > 256:
				return usagef("--units %d (must be 1 to 256)", o.units)
			case o.cols < 0:
				return usagef("--cols %d (must be >= 1)", o.cols)
			case o.scale < 1 || o.scale > 10:
				return usagef("--scale %d (must be 1 to 10)", o.scale)
			}
			if o.out == "" {
				run, ok := runFolderOf(o.path)
				if !ok {
					return usagef("%s is a checkpoint outside a run folder: say where to write with --out FILE", o.path)
				}
				o.out = filepath.Join(run, "explain.png")
			}
			if err := checkOut("--out", o.out); err != nil {
				return err
			}
			if runF != nil {
				return runF(o)
			}
			return explainRun(e, o)
		},
		ValidArgsFunction: completeDirs,
	}
	cmd.Flags().StringVar(&o.out, "out", "", "PNG file to write (default: explain.png in the run folder)")
	cmd.Flags().IntVar(&o.units, "units", 16, "MLP: how many first-layer units to show, the strongest first (1 to 256)")
	cmd.Flags().IntVar(&o.cols, "cols", 0, "maps per row (default: 5 for 10 maps, as for MNIST's 10 digits, else 8)")
	cmd.Flags().IntVar(&o.scale, "scale", 4, "pixels per weight (1 to 10)")
	return cmd
}

// runFolderOf returns the run folder path names: path itself, or for a
// checkpoint <run>/checkpoints/ckpt-N the run around it. A checkpoint
// folder is never written into: its manifest lists its files.
func runFolderOf(path string) (string, bool) {
	if !isCheckpoint(path) {
		return path, true
	}
	parent := filepath.Dir(filepath.Clean(path))
	if filepath.Base(parent) != "checkpoints" {
		return "", false
	}
	return filepath.Dir(parent), true
}

// explainRun draws what o asks for.
func explainRun(e *env, o *explainOptions) error {
	c, err := runCheckpoint(e, "explain", o.path)
	if err != nil {
		return err
	}
	shape, err := train.TrainedShape(c)
	if err != nil {
		return err
	}
	if shape.ImageRows < 1 || shape.ImageCols < 1 {
		return fmt.Errorf("%s: weight maps need the image size, which this checkpoint does not record (it predates recorded shapes and its model does not take MNIST's 28x28 pixels)", c.Dir)
	}
	saved, _, _, _, err := train.ResumeConfig(c)
	if err != nil {
		return err
	}
	w, err := viz.Explain(c.Variables, shape, saved.Model, o.units)
	if err != nil {
		return fmt.Errorf("%s: %w", c.Dir, err)
	}
	cols := o.cols
	if cols == 0 {
		cols = 8
		if len(w.Maps) == 10 {
			cols = 5
		}
	}
	w.Note = fmt.Sprintf("checkpoint of step %d (epoch %d); %s", c.Manifest.Step, c.Manifest.Epoch, w.Note)
	if run, ok := runFolderOf(o.path); ok && inside(o.out, run) {
		unlock, err := lockRunForWriting(run, filepath.Base(o.out)+" was")
		if err != nil {
			return fmt.Errorf("%w (or write it elsewhere with --out FILE)", err)
		}
		defer unlock()
	}
	if err := viz.WritePNG(o.out, viz.WeightImage(w, cols, o.scale)); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "wrote %s (%d weight maps of %s)\n", human.Text(o.out), len(w.Maps), human.Text(c.Dir))
	return nil
}

// runCheckpoint opens the checkpoint a run's results describe. A run that
// tested the weights of its best validation epoch (--restore-best) says
// so in summary.json; its pictures and report are of that checkpoint, not
// of the newest one, so that they agree with the accuracy it printed. If
// that checkpoint is gone (pruned) or path is not a finished run, it is
// the newest valid checkpoint, as for eval.
func runCheckpoint(e *env, name, path string) (*checkpoint.Checkpoint, error) {
	// A path that is not a folder is a usage error, said before anything
	// is read from it.
	if err := checkPath(path, true); err != nil {
		return nil, err
	}
	if isCheckpoint(path) {
		return resolveCheckpoint(e, name, path)
	}
	s, err := runfolder.ReadSummary(path) // bounded, and never opened unless a regular file
	if err != nil || s.EvaluatedEpoch == 0 || s.EvaluatedEpoch == s.Epochs {
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			fmt.Fprintf(e.stderr, "neurona %s: %s/summary.json: %v; using the newest checkpoint\n", name, human.Text(path), oneLine(err.Error()))
		}
		return resolveCheckpoint(e, name, path)
	}
	infos, err := checkpoint.List(runfolder.CheckpointsDir(path), false)
	if err != nil {
		return nil, err
	}
	for i := len(infos) - 1; i >= 0; i-- {
		m := infos[i].Manifest
		if infos[i].Err == nil && m.Epoch == s.EvaluatedEpoch && m.Reason == "epoch" {
			if c, err := train.Checkpoints().Open(infos[i].Dir); err == nil {
				return c, nil
			}
		}
	}
	fmt.Fprintf(e.stderr, "neurona %s: the checkpoint of epoch %d, which the run tested, is gone or corrupt; using the newest valid one\n", name, s.EvaluatedEpoch)
	return resolveCheckpoint(e, name, path)
}
