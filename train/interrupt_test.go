package train

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train/config"
	"github.com/neurona/neurona/train/runfolder"
)

// A run interrupted in its first epoch trained for a while: its summary
// says how long and how fast (runs list showed TRAIN TIME 0.0s).
func TestAnInterruptedRunRecordsTheTimeItTrained(t *testing.T) {
	m := smallMNIST(t, 1000, 200)
	goBackend, name := newGoBackend(t)
	cfg := config.Defaults(models.Perceptron)
	cfg.Backend, cfg.BatchSize, cfg.Epochs, cfg.StepsPerCall = name, 50, 3, 1
	cfg.RunDir = filepath.Join(t.TempDir(), "run")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stop := func(step int) {
		if step == 5 { // of 18 in the first epoch
			cancel()
		}
	}
	var out eventLog
	if _, _, err := executeLogged(ctx, goBackend, cfg, m, &out, Options{afterCall: stop}); !errors.Is(err, context.Canceled) {
		t.Fatalf("the run ended with %v, want it interrupted\n%s", err, out.String())
	}
	s, err := runfolder.ReadSummary(cfg.RunDir)
	if err != nil {
		t.Fatal(err)
	}
	if s.Epochs != 0 || s.GlobalStep != 5 || s.TrainSeconds <= 0 || s.ExamplesPerSecond <= 0 || s.StepsPerSecond <= 0 {
		t.Errorf("summary of a run interrupted at step 5 of epoch 1: %d epochs, step %d, %gs training, %g examples/s, %g steps/s; want 0, 5 and times above 0",
			s.Epochs, s.GlobalStep, s.TrainSeconds, s.ExamplesPerSecond, s.StepsPerSecond)
	}
}
