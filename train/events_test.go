package train

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"testing"

	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train/config"
	"github.com/neurona/neurona/train/runfolder"
)

// outline is the kinds of events in order, without the ones a run reports
// many times in a row (each call's StepsDone, each stage of a checkpoint
// save, the step lines).
func (l *eventLog) outline() []string {
	var k []string
	for _, kind := range l.kinds() {
		switch kind {
		case "StepsDone", "CheckpointStage", "StepLogged":
			continue
		}
		k = append(k, kind)
	}
	return k
}

// TestARunReportsItsEventsInOrder trains a tiny run, interrupts a second
// one in its second epoch and resumes it, and checks the events each
// reports: their order, and that what they carry agrees with the summary
// and the run folder.
func TestARunReportsItsEventsInOrder(t *testing.T) {
	m := smallMNIST(t, 600, 100)
	goBackend, name := newGoBackend(t)
	cfg := config.Defaults(models.Perceptron)
	cfg.Backend, cfg.BatchSize, cfg.Epochs, cfg.StepsPerCall = name, 50, 2, 1

	t.Run("a run that trains its epochs", func(t *testing.T) {
		cfg := cfg
		cfg.RunDir = filepath.Join(t.TempDir(), "run")
		var log eventLog
		s, _, err := executeLogged(context.Background(), goBackend, cfg, m, &log, Options{})
		if err != nil {
			t.Fatalf("Run: %v\n%s", err, log.String())
		}
		want := []string{"RunFolderLocked", "Planned", "Compiled", "Memory",
			"EpochStarted", "EpochTrained", "CheckpointSaved", "EpochEnded",
			"EpochStarted", "EpochTrained", "CheckpointSaved", "EpochEnded",
			"Stopped", "Tested", "Finished"}
		if got := log.outline(); !slices.Equal(got, want) {
			t.Fatalf("events %v\nwant   %v", got, want)
		}
		steps, last := 0, 0
		for _, e := range log.events {
			switch e := e.(type) {
			case StepsDone:
				steps++
				if e.GlobalStep <= last {
					t.Errorf("StepsDone at step %d after step %d", e.GlobalStep, last)
				}
				last = e.GlobalStep
			case Planned:
				if e.Config.RunDir != cfg.RunDir || e.Parameters != s.Parameters || e.Data.Train != s.Data.Train {
					t.Errorf("Planned %s, %d parameters, %d training examples; the summary says %s, %d, %d",
						e.Config.RunDir, e.Parameters, e.Data.Train, s.RunDir, s.Parameters, s.Data.Train)
				}
			case EpochEnded:
				if e.Saved == nil || e.Saved.Why != "epoch" || e.Epochs != 2 {
					t.Errorf("epoch %d ended with checkpoint %+v of %d epochs; want one saved for the epoch, of 2", e.Metrics.Epoch, e.Saved, e.Epochs)
				}
			case Stopped:
				if e.Reason != runfolder.StopEpochs || e.Because != "trained the 2 epochs asked for" || e.Epochs != 2 {
					t.Errorf("Stopped %+v, want the 2 epochs asked for", e)
				}
			case Tested:
				if e.Summary != s || e.CheckpointBytes <= 0 {
					t.Errorf("Tested with summary %p (run's %p), %d bytes of checkpoints", e.Summary, s, e.CheckpointBytes)
				}
			}
		}
		if steps != s.GlobalStep || last != s.GlobalStep {
			t.Errorf("%d StepsDone events up to step %d; the run took %d steps", steps, last, s.GlobalStep)
		}
	})

	t.Run("an interrupted run, then resumed", func(t *testing.T) {
		cfg := cfg
		cfg.RunDir = filepath.Join(t.TempDir(), "run")
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		stop := func(step int) {
			if step == 13 { // the second step of the second epoch (11 an epoch: 540 examples)
				cancel()
			}
		}
		var log eventLog
		if _, _, err := executeLogged(ctx, goBackend, cfg, m, &log, Options{afterCall: stop}); !errors.Is(err, context.Canceled) {
			t.Fatalf("the run ended with %v, want it interrupted\n%s", err, log.String())
		}
		want := []string{"RunFolderLocked", "Planned", "Compiled", "Memory",
			"EpochStarted", "EpochTrained", "CheckpointSaved", "EpochEnded",
			"EpochStarted", "EpochTrained", "CheckpointSaved", "Stopped", "Finished"}
		if got := log.outline(); !slices.Equal(got, want) {
			t.Fatalf("interrupted: events %v\nwant   %v", got, want)
		}
		if saved := log.events[len(log.events)-3].(CheckpointSaved); saved.Why != "interrupt" {
			t.Errorf("the checkpoint saved last was for %q, want the interrupt", saved.Why)
		}
		if st := log.events[len(log.events)-2].(Stopped); st.Reason != runfolder.StopInterrupted {
			t.Errorf("Stopped for %q, want interrupted", st.Reason)
		}

		c, _, err := ResolveCheckpoint(cfg.RunDir)
		if err != nil {
			t.Fatal(err)
		}
		log.Reset()
		s, _, err := executeLogged(context.Background(), goBackend, cfg, m, &log, Options{Resume: c})
		if err != nil {
			t.Fatalf("resume: %v\n%s", err, log.String())
		}
		want = []string{"RunFolderLocked", "MetricsRewritten", "Planned", "Compiled", "Resumed", "Memory",
			"EpochStarted", "EpochTrained", "CheckpointSaved", "EpochEnded", "Stopped", "Tested", "Finished"}
		if got := log.outline(); !slices.Equal(got, want) {
			t.Fatalf("resumed: events %v\nwant   %v", got, want)
		}
		for _, e := range log.events {
			switch e := e.(type) {
			case RunFolderLocked:
				if !e.Resumed || e.Dir != cfg.RunDir {
					t.Errorf("RunFolderLocked %+v, want %s resumed", e, cfg.RunDir)
				}
			case Resumed:
				if e.Dir != c.Dir || e.GlobalStep != 13 || e.Epoch != 1 || e.StepInEpoch != 2 {
					t.Errorf("Resumed %+v, want %s at step 13, 2 steps into epoch 2", e, c.Dir)
				}
			case EpochStarted:
				if e.Epoch != 2 || e.Done != 2 {
					t.Errorf("EpochStarted %+v, want epoch 2 with 2 steps done", e)
				}
			case Finished:
				if e.Summary != s || s.GlobalStep != 22 {
					t.Errorf("Finished with summary %p at step %d, want the run's (%p) at step 22", e.Summary, s.GlobalStep, s)
				}
			}
		}
	})
}
