package train

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train/checkpoint"
	"github.com/neurona/neurona/train/config"
	"github.com/neurona/neurona/train/runfolder"
)

// TestBestAndLastPointAtTheirCheckpoints trains Rosenblatt's perceptron
// (whose validation accuracy swings from epoch to epoch, so the best epoch
// is seldom the last), then resumes it for more epochs, and checks after
// each that checkpoints/best resolves to the checkpoint of the best epoch
// and checkpoints/last to the newest.
func TestBestAndLastPointAtTheirCheckpoints(t *testing.T) {
	m := smallMNIST(t, 1000, 200)
	goBackend, name := newGoBackend(t)
	cfg := config.Defaults(models.Perceptron)
	cfg.Backend, cfg.BatchSize, cfg.Epochs, cfg.Average, cfg.NoChange = name, 50, 4, false, 0
	cfg.KeepLast, cfg.RunDir = 1, filepath.Join(t.TempDir(), "run")
	for _, step := range []struct {
		name   string
		epochs int
		resume bool
	}{
		{"after training", 4, false},
		{"after resuming for more epochs", 7, true},
	} {
		t.Run(step.name, func(t *testing.T) {
			var opts Options
			if step.resume {
				c, _, err := ResolveCheckpoint(filepath.Join(runfolder.CheckpointsDir(cfg.RunDir), checkpoint.LastPointer))
				if err != nil {
					t.Fatalf("resume from checkpoints/last: %v", err)
				}
				opts.Resume = c
			}
			run := cfg
			run.Epochs = step.epochs
			var out eventLog
			s, _, err := executeLogged(context.Background(), goBackend, run, m, &out, opts)
			if err != nil {
				t.Fatalf("%v\n%s", err, out.String())
			}
			best, _, err := ResolveCheckpoint(filepath.Join(runfolder.CheckpointsDir(cfg.RunDir), checkpoint.BestPointer))
			if err != nil {
				t.Fatal(err)
			}
			if best.Manifest.Epoch != s.BestEpoch || best.Manifest.Metrics["val_accuracy"] != *s.BestValAccuracy {
				t.Errorf("best is epoch %d (val accuracy %g), the run's best is epoch %d (%g)",
					best.Manifest.Epoch, best.Manifest.Metrics["val_accuracy"], s.BestEpoch, *s.BestValAccuracy)
			}
			last, _, err := ResolveCheckpoint(filepath.Join(runfolder.CheckpointsDir(cfg.RunDir), checkpoint.LastPointer))
			if err != nil {
				t.Fatal(err)
			}
			newest, _, err := ResolveCheckpoint(cfg.RunDir)
			if err != nil {
				t.Fatal(err)
			}
			if last.Dir != newest.Dir || last.Manifest.Step != s.GlobalStep {
				t.Errorf("last is %s (step %d), want the newest %s (step %d)", last.Dir, last.Manifest.Step, newest.Dir, s.GlobalStep)
			}
		})
	}
}
