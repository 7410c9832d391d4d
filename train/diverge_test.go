package train

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train/checkpoint"
	"github.com/neurona/neurona/train/config"
	"github.com/neurona/neurona/train/runfolder"
)

// TestDivergingRunStopsAndKeepsItsFiniteCheckpoint trains a linear MLP
// with squared error and a learning rate of a million: the loss turns NaN
// within a few steps. The run must stop saying where, keep no checkpoint
// of non-finite weights, and write summary.json with the reason.
func TestDivergingRunStopsAndKeepsItsFiniteCheckpoint(t *testing.T) {
	m := smallMNIST(t, 400, 100)
	for _, tc := range []struct {
		name      string
		saveEvery int
		steps     int // steps per call
	}{
		{"a save before the divergence", 1, 1},
		{"no save before the divergence", 0, 1},
		{"several steps per call", 0, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := config.Defaults(models.MLP)
			cfg.Model.Hidden, cfg.Model.Activation, cfg.Model.Loss = []int{16}, "linear", models.LossMSE
			cfg.Optimizer, cfg.LR, cfg.Epochs, cfg.BatchSize, cfg.ValSplit = "sgd", 1e6, 3, 50, 0.25
			cfg.SaveEvery, cfg.StepsPerCall = tc.saveEvery, tc.steps
			s, _, out, err := runWith(t, cfg, m, Options{})
			if !errors.Is(err, ErrDiverged) {
				t.Fatalf("err = %v, want a divergence\n%s", err, out)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "training diverged at step ") || strings.Contains(msg, "--") ||
				!strings.Contains(msg, "NaN") && !strings.Contains(msg, "Inf") {
				t.Errorf("message %q", msg)
			}
			if s == nil {
				t.Fatal("no summary returned")
			}
			raw, err := os.ReadFile(filepath.Join(s.RunDir, "summary.json"))
			if err != nil {
				t.Fatalf("summary.json: %v", err)
			}
			var saved runfolder.Summary
			if err := json.Unmarshal(raw, &saved); err != nil {
				t.Fatalf("summary.json: %v", err)
			}
			if !strings.HasPrefix(saved.StoppedBecause, "training diverged at step ") || saved.StopReason != runfolder.StopDiverged {
				t.Errorf("stopped_because %q, stop_reason %q; want a divergence", saved.StoppedBecause, saved.StopReason)
			}
			infos, err := checkpoint.List(runfolder.CheckpointsDir(s.RunDir), true)
			if err != nil {
				t.Fatal(err)
			}
			if tc.saveEvery > 0 && len(infos) == 0 {
				t.Fatalf("no checkpoint kept, although one was saved every step before the divergence\n%s", out)
			}
			for _, info := range infos {
				c, err := Checkpoints().Open(info.Dir)
				if err != nil {
					t.Fatal(err)
				}
				if bad := checkWeights(c.Variables, c.Manifest.Step); bad != nil {
					t.Errorf("%s was saved with non-finite weights: %v", info.Dir, bad)
				}
			}
		})
	}
}

func TestCheckLossAndWeights(t *testing.T) {
	if err := checkLoss("loss", 1.5, 10, 1); err != nil {
		t.Errorf("a finite loss: %v", err)
	}
	err := checkLoss("loss", math.NaN(), 12, 3)
	if err == nil || err.Error() != "training diverged at step 12 (loss NaN over steps 10-12)" {
		t.Errorf("checkLoss = %v", err)
	}
	nan := math.Float32bits(float32(math.NaN()))
	vars := []checkpoint.Variable{{Path: "/w", DType: "Float32", Data: []byte{0, 0, 128, 63, byte(nan), byte(nan >> 8), byte(nan >> 16), byte(nan >> 24)}}}
	if err := checkWeights(vars, 4); err == nil || !strings.Contains(err.Error(), "/w holds NaN") {
		t.Errorf("checkWeights = %v", err)
	}
	vars[0].Data = vars[0].Data[:4]
	if err := checkWeights(vars, 4); err != nil {
		t.Errorf("finite weights: %v", err)
	}
}
