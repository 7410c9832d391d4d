package runs

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train/checkpoint"
	"github.com/neurona/neurona/train/config"
)

// TestDescribeReadsALiveRunsCheckpoint: a run without summary.json lists
// the model and recipe its newest checkpoint saved; a meta.json too large
// to be one is not read.
func TestDescribeReadsALiveRunsCheckpoint(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "live")
	fakeRun(t, dir, nil, 0.5)
	m, err := checkpoint.NewManager(filepath.Join(dir, "checkpoints"), 3, "", checkpoint.ManagerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Defaults(models.MLP)
	cfg.Model.Hidden = []int{32}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	var meta struct {
		Config config.Config `json:"config"`
	}
	meta.Config = cfg
	path, _, err := m.Save(checkpoint.Snapshot{Step: 7, Epoch: 1, Reason: "step", Meta: meta,
		Variables: []checkpoint.Variable{{Path: "/global_step", DType: "Int64", Data: make([]byte, 8)}}})
	if err != nil {
		t.Fatal(err)
	}
	r := Describe(dir, "live")
	if r.Model != cfg.Model.String() || r.Optimizer != "adam" || r.LR != cfg.LR || r.BatchSize != cfg.BatchSize || r.Status == Finished {
		t.Errorf("a live run lists %+v, want %s, adam, lr %g, batch %d", r, cfg.Model, cfg.LR, cfg.BatchSize)
	}

	big := make([]byte, 2<<20)
	for i := range big {
		big[i] = ' '
	}
	if err := os.WriteFile(filepath.Join(path, checkpoint.MetaFile), big, 0o644); err != nil {
		t.Fatal(err)
	}
	if r := Describe(dir, "live"); r.Model != "" {
		t.Errorf("an oversized meta.json was read: %+v", r)
	}
}
