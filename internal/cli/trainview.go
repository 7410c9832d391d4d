package cli

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/neurona/neurona/data"
	"github.com/neurona/neurona/internal/human"
	"github.com/neurona/neurona/train"
	"github.com/neurona/neurona/train/runfolder"
)

// trainView shows a run's events as `neurona train`'s lines: what the run
// plans, compiles and holds, one line per epoch, the checkpoints saved
// between epochs, the test results; on a terminal with the progress bar,
// a bar for the epoch in training. Warnings go to stderr.
type trainView struct {
	out, stderr io.Writer
	progress    bool             // draw the bar (Config.Progress of the run)
	now         func() time.Time // the bar's clock
	bar         *progressBar     // the epoch's bar while it trains
}

// newTrainView returns the view writing to stdout and stderr.
func newTrainView(stdout, stderr io.Writer) *trainView {
	return &trainView{out: stdout, stderr: stderr, now: time.Now}
}

// w is where lines go: above the bar while one is shown.
func (v *trainView) w() io.Writer {
	if v.bar != nil {
		return v.bar
	}
	return v.out
}

// observe shows one event.
func (v *trainView) observe(ev train.Event) {
	w := v.w()
	switch e := ev.(type) {
	case train.NothingToTrain:
		fmt.Fprintln(w, nothingToTrain(e.Stopped))
	case train.Restarted:
		fmt.Fprintf(w, "restart  %s held a run that stopped before its first checkpoint, with nothing to resume; starting it afresh\n", e.Dir)
	case train.Planned:
		v.progress = e.Config.Progress
		v.planned(w, e)
	case train.Noted:
		fmt.Fprintf(w, "note     %s\n", e.Note)
	case train.PrecisionNotFaster:
		fmt.Fprintf(w, "note     %s\n", notFasterNote(e))
	case train.Compiled:
		what := fmt.Sprintf("the training step (%s) and the evaluation step", human.Count(e.BatchShapes, "batch shape"))
		switch {
		case e.GroupCalls:
			what = "its part of the group's program (the training step, evaluation and prediction, compiled once for the group)"
		case e.GroupSteps:
			what = "the evaluation step (the group's program compiles the training step)"
		}
		fmt.Fprintf(w, "compile  %s in %.2fs; variables initialized in %.2fs, first use warmed up in %.2fs\n",
			what, e.CompileSeconds, e.InitSeconds, e.WarmupSeconds)
		if e.Cache.Dir != "" {
			fmt.Fprintf(w, "compile  %s\n", e.Cache)
		}
	case train.Resumed:
		fmt.Fprintf(w, "resume   from %s: step %d, %s done", e.Dir, e.GlobalStep, human.Count(e.Epoch, "epoch"))
		if e.StepInEpoch > 0 {
			fmt.Fprintf(w, ", %s into epoch %d", human.Count(e.StepInEpoch, "step"), e.Epoch+1)
		}
		fmt.Fprintln(w)
		if e.Shards != e.TrainedShards {
			fmt.Fprintf(w, "shards   %d instead of the %d the run was trained with: the same updates up to float rounding, "+
				"so the weights will not match bit for bit those of a run trained with %d throughout\n", e.Shards, e.TrainedShards, e.TrainedShards)
		}
	case train.Memory:
		fmt.Fprintf(w, "memory   model and optimizer state %s, data on the host %s, process peak so far %.0f MB\n",
			human.Bytes(e.StateBytes), human.Bytes(e.HostDataBytes), e.PeakRSSMB)
		if e.Device != "" {
			fmt.Fprintf(w, "memory   %s\n", e.Device)
		}
	case train.Finishing:
		fmt.Fprintf(w, "finish   the run stopped after %s (%s) before writing its summary; testing it now\n",
			human.Count(e.Epochs, "epoch"), stopWords(e.Reason, e.Because, e.Epochs))
	case train.EpochStarted:
		if v.progress {
			v.bar = newProgressBar(v.out, e.Epoch, e.Epochs, e.Steps, e.Done, v.now)
		}
	case train.StepsDone:
		if v.bar != nil {
			v.bar.update(e.Done, e.Examples, e.Loss)
		}
	case train.EpochTrained:
		if v.bar != nil {
			v.bar.finish()
			v.bar = nil
		}
	case train.CheckpointSaved:
		if e.Why != "epoch" { // an epoch's checkpoint is on the epoch's line
			fmt.Fprintf(w, "checkpoint %s\n", savedNote(e))
		}
	case train.EpochEnded:
		fmt.Fprintln(w, epochLine(e))
	case train.Tested:
		v.tested(w, e)
	case train.Warned:
		v.warned(e.Warning)
	}
}

// planned writes the lines that open a run's output: the model, the
// backend, the data and the recipe.
func (v *trainView) planned(w io.Writer, e train.Planned) {
	cfg := e.Config
	fmt.Fprintf(w, "model    %s, %d parameters:", cfg.Model, e.Parameters)
	for _, p := range e.Shapes {
		fmt.Fprintf(w, " %s %v", p.Name, p.Shape)
	}
	fmt.Fprintf(w, "\nbackend  %s\ndata     %s: %d train, %d validation, %d test\n",
		e.Backend, describeData(e.Data.Dir, e.Data.Source), e.Data.Train, e.Data.Val, e.Data.Test)
	shards := ""
	if cfg.Shards > 1 {
		shards = fmt.Sprintf(" in %d shards", cfg.Shards)
	}
	fmt.Fprintf(w, "train    %s, batch %d%s, %s, up to %s, seed %d -> %s\n",
		cfg.Recipe(), cfg.BatchSize, shards, train.PerCall(cfg), human.Count(cfg.Epochs, "epoch"), cfg.Seed, cfg.RunDir)
	switch {
	case cfg.DataOnDevice && e.Group > 0:
		fmt.Fprintf(w, "data     resident on the device, one copy for the group of %d: %s of images and labels, %s of indices sent per step\n",
			e.Group, human.Bytes(e.ResidentBytes), human.Bytes(e.IndexBytes))
	case cfg.DataOnDevice:
		fmt.Fprintf(w, "data     resident on the device: %s of images and labels, %s of indices sent per step\n",
			human.Bytes(e.ResidentBytes), human.Bytes(e.IndexBytes))
	}
}

// tested writes the lines that end a run: why it stopped, the test
// results, the run folder.
func (v *trainView) tested(w io.Writer, e train.Tested) {
	s := e.Summary
	fmt.Fprintf(w, "stopped: %s\n", stopWords(s.Reason(), s.StoppedBecause, s.Epochs))
	fmt.Fprintf(w, "test     loss %.4f  accuracy %.4f  (weights of epoch %d; %s, %.1fs training, %.0f examples/s, compile %.2fs)\n",
		deref(s.TestLoss), deref(s.TestAccuracy), s.EvaluatedEpoch, human.Count(s.GlobalStep, "step"), s.TrainSeconds, s.ExamplesPerSecond, s.CompileSeconds)
	fmt.Fprintf(w, "run      %s (checkpoints: %d saved in %.2fs, %s kept on disk)\n",
		s.RunDir, s.Checkpoints, s.CheckpointSeconds, human.Bytes(e.CheckpointBytes))
}

// warned writes a warning on stderr: a repaired metrics.jsonl as the train
// command's warning, what a backend or a checkpoint save worked around as
// neurona's.
func (v *trainView) warned(w error) {
	if errors.As(w, new(*train.MetricsRepair)) {
		fmt.Fprintf(v.stderr, "neurona train: warning: %s\n", human.Text(w.Error()))
		return
	}
	warnNeurona(v.stderr, w)
}

// notFasterNote says once that a run's precision buys no speed on its
// backend, and the flag that keeps full precision at the same speed.
func notFasterNote(e train.PrecisionNotFaster) string {
	return fmt.Sprintf("--precision %s on %s is no faster than f32 (a step takes about %.2gx as long: this backend has no %s arithmetic); "+
		"--precision f32 keeps full precision here, and the checkpoints hold float32 weights either way", e.Precision, e.Backend, e.Slowdown, e.Precision)
}

// epochLine is an epoch's line: its training and validation metrics,
// speed, elapsed time, a star for the best epoch so far (kept for
// --restore-best) and the checkpoint saved.
func epochLine(e train.EpochEnded) string {
	m := e.Metrics
	line := fmt.Sprintf("epoch %3d/%d  train loss %.4f acc %.4f", m.Epoch, e.Epochs, m.TrainLoss, m.TrainAccuracy)
	if m.ValLoss != nil && m.ValAccuracy != nil {
		line += fmt.Sprintf("  val loss %.4f acc %.4f", *m.ValLoss, *m.ValAccuracy)
	}
	line += fmt.Sprintf("  %7.0f ex/s  %6.1fs", m.ExamplesPerSecond, m.ElapsedSeconds)
	if e.Best {
		line += "  *"
	}
	if e.Saved != nil {
		line += "  saved " + savedNote(*e.Saved)
	}
	return line
}

// savedNote is "ckpt-000000042 (1.2 MB, 0.05s)".
func savedNote(e train.CheckpointSaved) string {
	return fmt.Sprintf("%s (%s, %.2fs)", filepath.Base(e.Path), human.Bytes(e.Size), e.Seconds)
}

// stopWords says why a run stopped in the command line's words: the flag
// whose rule stopped it, beside the engine's words.
func stopWords(reason runfolder.StopReason, because string, epochs int) string {
	switch reason {
	case runfolder.StopEpochs:
		return fmt.Sprintf("reached --epochs %d", epochs)
	case runfolder.StopPatience:
		return because + " (--patience)"
	case runfolder.StopTol:
		return because + " (--tol, --n-iter-no-change)"
	}
	return because
}

// nothingToTrain is the line that says a resumed run would train no
// further, and how to train it longer.
func nothingToTrain(s train.AlreadyStopped) string {
	return fmt.Sprintf("nothing to train: the run already stopped after %s (%s); pass --epochs N, N > %d, to train longer",
		human.Count(s.Epochs, "epoch"), stopWords(s.Reason, s.Because, s.Epochs), s.Epochs)
}

// describeData says where data was read from, naming the flag that gave
// the folder.
func describeData(dir, source string) string { return data.Describe(dir, dataSource(source)) }

// dataSource is how data was found, naming the flag that gave the folder.
func dataSource(source string) string {
	if source == data.SourceDataDir {
		return "--data-dir"
	}
	return source
}

func deref(f *float64) float64 {
	if f == nil {
		return 0
	}
	return *f
}

// trainOptions returns opts with the command line's view of the run as its
// first observer, then the observer and the faults of e.deps.
func (e *env) trainOptions(opts train.Options) train.Options {
	opts.Observers = append([]train.Observer{newTrainView(e.stdout, e.stderr).observe}, opts.Observers...)
	if e.deps.Observe != nil {
		opts.Observers = append(opts.Observers, e.deps.Observe)
	}
	opts.Faults = e.deps.Faults
	return opts
}
