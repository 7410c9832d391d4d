package train

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train/config"
	"github.com/neurona/neurona/train/runfolder"
)

// metricsWithoutTimes reads metrics.jsonl, dropping the timing fields that
// legitimately differ between runs.
func metricsWithoutTimes(t *testing.T, runDir string) []string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(runDir, "metrics.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		var m map[string]any // an epoch line or a step line
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatal(err)
		}
		delete(m, "examples_per_second")
		delete(m, "epoch_seconds")
		delete(m, "elapsed_seconds")
		b, _ := json.Marshal(m)
		out = append(out, string(b))
	}
	return out
}

func TestInterruptedAndResumedRunEndsWithTheSameWeights(t *testing.T) {
	m := smallMNIST(t, 1500, 200)
	for _, tc := range []struct {
		name   string
		mutate func(*config.Config)
		stopAt int // global step after which the first run is interrupted
	}{
		{"adam with a cosine schedule, stopped mid-epoch", func(c *config.Config) {}, 37},
		{"adam, stopped right after an epoch's last step", func(c *config.Config) {}, 27},
		{"early stopping on the validation loss with a min-delta", func(c *config.Config) {
			c.Epochs, c.Patience, c.EarlyStopMonitor, c.EarlyStopMinDelta = 6, 1, config.MonitorValLoss, 0.02
		}, 37},
		{"sgd with momentum, several steps per call", func(c *config.Config) { c.Optimizer, c.LR, c.Momentum, c.StepsPerCall = "sgd", 0.05, 0.9, 4 }, 44},
		{"rosenblatt's perceptron keeping its best epoch", func(c *config.Config) {
			*c = config.Defaults(models.Perceptron)
			c.Epochs, c.BatchSize, c.Average = 4, 50, false
		}, 60},
		{"the averaged perceptron, 10 steps per call in a While loop", func(c *config.Config) {
			*c = config.Defaults(models.Perceptron)
			c.Epochs, c.BatchSize, c.Average, c.StepsPerCall = 4, 50, true, 10
		}, 65},
		{"each step in 3 uneven shards", func(c *config.Config) { c.Shards = 3 }, 37},
		{"the averaged perceptron in 2 shards, 4 steps per call", func(c *config.Config) {
			*c = config.Defaults(models.Perceptron)
			c.Epochs, c.BatchSize, c.Shards, c.StepsPerCall = 4, 50, 2, 4
		}, 61},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := config.Defaults(models.MLP)
			cfg.Model.Hidden = []int{16}
			cfg.Epochs, cfg.BatchSize, cfg.SaveEvery = 3, 50, 10
			tc.mutate(&cfg)
			goBackend, name := newGoBackend(t)
			cfg.Backend = name

			whole := cfg
			whole.RunDir = filepath.Join(t.TempDir(), "whole")
			sWhole, pWhole, err := execute(context.Background(), goBackend, whole, m, Options{})
			if err != nil {
				t.Fatal(err)
			}
			want := variableValues(pWhole)
			if cfg.Average && want["/"+models.AveragedScope+"/perceptron/dense/weights"] == nil {
				t.Fatal("the averaged run has no averaged weights")
			}

			parts := cfg
			parts.RunDir = filepath.Join(t.TempDir(), "parts")
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			stop := func(step int) {
				if step >= tc.stopAt {
					cancel()
				}
			}
			var out eventLog
			if _, _, err := executeLogged(ctx, goBackend, parts, m, &out, Options{afterCall: stop}); err == nil {
				t.Fatalf("the interrupted run did not stop:\n%s", out.String())
			}
			c, skipped, err := ResolveCheckpoint(parts.RunDir)
			if err != nil || len(skipped) > 0 {
				t.Fatalf("ResolveCheckpoint: %v (skipped %v)", err, skipped)
			}
			if c.Manifest.Step < tc.stopAt {
				t.Fatalf("the interrupt saved step %d, want >= %d", c.Manifest.Step, tc.stopAt)
			}
			out.Reset()
			sParts, pParts, err := executeLogged(context.Background(), goBackend, parts, m, &out, Options{Resume: c})
			if err != nil {
				t.Fatalf("resume: %v\n%s", err, out.String())
			}
			got := variableValues(pParts)
			if len(got) != len(want) {
				t.Fatalf("%d variables after resuming, want %d", len(got), len(want))
			}
			for path, w := range want {
				g := got[path]
				for i := range w {
					if g[i] != w[i] {
						t.Fatalf("%s[%d] = %g after resuming, %g without interruption", path, i, g[i], w[i])
					}
				}
			}
			if !bytes.Equal(blobOf(t, whole.RunDir), blobOf(t, parts.RunDir)) {
				t.Error("the final checkpoints' variables.bin differ")
			}
			if h := sParts.Hyperparameters; h.EarlyStopMonitor != cfg.EarlyStopMonitor || h.EarlyStopMinDelta != cfg.EarlyStopMinDelta || h.Patience != cfg.Patience {
				t.Errorf("the resumed run watches %q by %g for %d epochs, want %q by %g for %d", h.EarlyStopMonitor, h.EarlyStopMinDelta, h.Patience,
					cfg.EarlyStopMonitor, cfg.EarlyStopMinDelta, cfg.Patience)
			}
			if cfg.Patience > 0 && !strings.Contains(sWhole.StoppedBecause, "validation loss did not improve") {
				t.Errorf("the run stopped because %q, not by its early stopping", sWhole.StoppedBecause)
			}
			if want := AutoShards(cfg, name); sWhole.Hyperparameters.Shards != want || sParts.Hyperparameters.Shards != want {
				t.Errorf("the runs recorded %d and %d shards, want %d", sWhole.Hyperparameters.Shards, sParts.Hyperparameters.Shards, want)
			}
			if sParts.StoppedBecause != sWhole.StoppedBecause {
				t.Errorf("the resumed run stopped because %q, the whole one because %q", sParts.StoppedBecause, sWhole.StoppedBecause)
			}
			if *sParts.TestAccuracy != *sWhole.TestAccuracy || sParts.GlobalStep != sWhole.GlobalStep {
				t.Errorf("test accuracy %v at step %d, want %v at step %d", *sParts.TestAccuracy, sParts.GlobalStep,
					*sWhole.TestAccuracy, sWhole.GlobalStep)
			}
			a, b := metricsWithoutTimes(t, whole.RunDir), metricsWithoutTimes(t, parts.RunDir)
			if strings.Join(a, "\n") != strings.Join(b, "\n") {
				t.Errorf("metrics.jsonl differs:\nwhole:\n%s\nresumed:\n%s", strings.Join(a, "\n"), strings.Join(b, "\n"))
			}
		})
	}
}

// blobOf returns the variables.bin of a run's newest checkpoint: every
// variable, the random-number state and optimizer moments included.
func blobOf(t *testing.T, runDir string) []byte {
	t.Helper()
	c, _, err := ResolveCheckpoint(runDir)
	if err != nil {
		t.Fatal(err)
	}
	blob, err := os.ReadFile(filepath.Join(c.Dir, "variables.bin"))
	if err != nil {
		t.Fatal(err)
	}
	return blob
}

func TestResumingAFinishedRun(t *testing.T) {
	m := smallMNIST(t, 1000, 200)
	goBackend, name := newGoBackend(t)
	cfg := config.Defaults(models.Perceptron)
	cfg.Backend, cfg.BatchSize, cfg.Epochs = name, 50, 100
	cfg.RunDir = filepath.Join(t.TempDir(), "run")
	first, _, err := execute(context.Background(), goBackend, cfg, m, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if first.Epochs >= cfg.Epochs {
		t.Fatalf("the stopping rule did not end the run early (%d epochs)", first.Epochs)
	}
	resume := func(epochs int) (*runfolder.Summary, string, error) {
		t.Helper()
		c, _, err := ResolveCheckpoint(cfg.RunDir)
		if err != nil {
			t.Fatal(err)
		}
		again := cfg
		again.Epochs = epochs
		var out eventLog
		s, _, err := executeLogged(context.Background(), goBackend, again, m, &out, Options{Resume: c})
		if err != nil && !errors.Is(err, ErrNothingToTrain) {
			t.Fatalf("resume: %v\n%s", err, out.String())
		}
		return s, out.String(), err
	}
	if _, out, err := resume(cfg.Epochs); !errors.Is(err, ErrNothingToTrain) || !strings.HasPrefix(out, "train.NothingToTrain ") || strings.Count(out, "\n") != 1 {
		t.Errorf("resuming a finished run: %v, want ErrNothingToTrain and only its reason; events:\n%s", err, out)
	}

	// Killed after its last checkpoint, before its summary: the resume
	// tests the run and writes the summary, training nothing.
	summary := filepath.Join(cfg.RunDir, runfolder.SummaryFile)
	if err := os.Remove(summary); err != nil {
		t.Fatal(err)
	}
	s, out, err := resume(cfg.Epochs)
	if err != nil {
		t.Fatalf("resuming a finished run without its summary: %v\n%s", err, out)
	}
	if s.GlobalStep != first.GlobalStep || s.StoppedBecause != first.StoppedBecause || !strings.Contains(out, "train.Finishing ") {
		t.Errorf("resuming a finished run without its summary: step %d -> %d, stopped %q -> %q\n%s",
			first.GlobalStep, s.GlobalStep, first.StoppedBecause, s.StoppedBecause, out)
	}
	if _, err := os.Stat(summary); err != nil {
		t.Errorf("the finishing resume wrote no summary: %v", err)
	}

	s, _, _ = resume(first.Epochs + 3)
	if s.Epochs <= first.Epochs {
		t.Errorf("asking for %d epochs after %d trained nothing more (%d epochs)", first.Epochs+3, first.Epochs, s.Epochs)
	}
}
