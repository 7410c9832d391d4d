package cli

import (
	"encoding/json"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/neurona/neurona/train"
	"github.com/neurona/neurona/train/backend"
	"github.com/neurona/neurona/train/checkpoint"
	"github.com/neurona/neurona/train/runfolder"
)

func TestParseExplain(t *testing.T) {
	ckpt := filepath.Join("runs", "x", "checkpoints", "ckpt-000000001")
	tests := []struct {
		name string
		args []string
		want explainOptions
	}{
		{"a run folder: explain.png in it", []string{"runs/x"}, explainOptions{path: "runs/x", out: filepath.Join("runs/x", "explain.png"), units: 16, scale: 4}},
		{"a run's checkpoint: explain.png in the run", []string{ckpt}, explainOptions{path: ckpt, out: filepath.Join("runs", "x", "explain.png"), units: 16, scale: 4}},
		{"flags after the folder", []string{"runs/x", "--out", "w.png", "--units", "32", "--cols", "4", "--scale", "2"},
			explainOptions{path: "runs/x", out: "w.png", units: 32, cols: 4, scale: 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := parseExplain(tt.args, testEnv(io.Discard))
			if err != nil {
				t.Fatal(err)
			}
			if *o != tt.want {
				t.Errorf("options %+v, want %+v", *o, tt.want)
			}
		})
	}
}

// trainedMLP trains an MLP with hidden units on fakeMNIST for one epoch.
func trainedMLP(t *testing.T, hidden int) (runDir, dataDir string) {
	t.Helper()
	dataDir = fakeMNIST(t)
	runDir = filepath.Join(t.TempDir(), "mlp")
	code, stdout, stderr := cliRun("train", "--hidden", strconv.Itoa(hidden), "--epochs", "1", "--run-dir", runDir,
		"--data-dir", dataDir, "--backend", backend.Go, "--progress", "never")
	if code != ExitOK {
		t.Fatalf("train: exit code %d\n%s%s", code, stdout, stderr)
	}
	return runDir, dataDir
}

// pngSize decodes the PNG file at path and returns its size.
func pngSize(t *testing.T, path string) (w, h int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return img.Bounds().Dx(), img.Bounds().Dy()
}

func TestExplain(t *testing.T) {
	runDir, _ := trainedRun(t, 2)
	t.Run("a perceptron run: ten digit maps in explain.png", func(t *testing.T) {
		code, stdout, stderr := cliRun("explain", runDir)
		if code != ExitOK || stderr != "" {
			t.Fatalf("exit code %d, stderr %q", code, stderr)
		}
		out := filepath.Join(runDir, "explain.png")
		if !strings.Contains(stdout, "wrote "+out+" (10 weight maps") {
			t.Errorf("stdout %q", stdout)
		}
		// Two rows of five 112-pixel maps, a title and a colour bar.
		if w, h := pngSize(t, out); w < 5*112 || h < 2*112+100 {
			t.Errorf("explain.png is %dx%d, want two rows of five 112-pixel maps with a title and a scale", w, h)
		}
	})
	t.Run("a checkpoint with --out", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "w.png")
		ckpt := filepath.Join(runfolder.CheckpointsDir(runDir), "ckpt-000000002")
		if code, _, stderr := cliRun("explain", ckpt, "--out", out, "--scale", "2"); code != ExitOK {
			t.Fatalf("exit code %d, stderr %q", code, stderr)
		}
		if w, _ := pngSize(t, out); w < 5*56 {
			t.Errorf("width %d, want five 56-pixel maps a row", w)
		}
	})
	t.Run("an MLP: its first layer's units, at most as many as it has", func(t *testing.T) {
		mlpDir, _ := trainedMLP(t, 6)
		code, stdout, stderr := cliRun("explain", mlpDir)
		if code != ExitOK || stderr != "" {
			t.Fatalf("exit code %d, stderr %q", code, stderr)
		}
		if !strings.Contains(stdout, "(6 weight maps") {
			t.Errorf("stdout %q, want 6 maps (all units of the 6-unit layer)", stdout)
		}
	})

	loose := filepath.Join(t.TempDir(), "ckpt-000000002")
	if err := os.CopyFS(loose, os.DirFS(filepath.Join(runfolder.CheckpointsDir(runDir), "ckpt-000000002"))); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(t.TempDir(), "missing")
	checkFailures(t, []usageCase{
		{"no folder", []string{"explain"}, ExitUsage, []string{"missing the run folder"}, 0},
		{"two folders", []string{"explain", runDir, runDir}, ExitUsage, []string{"unexpected argument"}, 0},
		{"a folder that does not exist", []string{"explain", missing}, ExitUsage, []string{missing, "does not exist"}, 0},
		{"a checkpoint outside a run without --out", []string{"explain", loose}, ExitUsage, []string{loose, "--out"}, 0},
		{"zero units", []string{"explain", runDir, "--units", "0"}, ExitUsage, []string{"--units 0", "1 to 256"}, 0},
		{"an unknown flag", []string{"explain", runDir, "--bogus"}, ExitUsage, []string{"-bogus", "neurona explain --help"}, 0},
	})
}

func TestRunCheckpointFollowsTheSummary(t *testing.T) {
	runDir, _ := trainedRun(t, 3)
	dir := copyRun(t, runDir)
	e := testEnv(io.Discard)
	tests := []struct {
		name      string
		summary   string // "" for none
		wantEpoch int
	}{
		{"no summary: the newest", "", 3},
		{"the last epoch was tested: the newest", `{"epochs":3,"evaluated_epoch":3}`, 3},
		{"--restore-best tested epoch 2: its checkpoint", `{"epochs":3,"evaluated_epoch":2}`, 2},
		{"the tested epoch's checkpoint is gone: the newest", `{"epochs":9,"evaluated_epoch":7}`, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, "summary.json")
			os.Remove(path)
			if tt.summary != "" {
				if err := os.WriteFile(path, []byte(tt.summary), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			c, err := runCheckpoint(e, "test", dir)
			if err != nil {
				t.Fatal(err)
			}
			if c.Manifest.Epoch != tt.wantEpoch {
				t.Errorf("checkpoint %s of epoch %d, want epoch %d", c.Dir, c.Manifest.Epoch, tt.wantEpoch)
			}
		})
	}
}

func TestExplainOtherData(t *testing.T) {
	dataDir := fakeDataset(t, 12, 10, 3, animalNames)
	runDir := filepath.Join(t.TempDir(), "animals")
	code, stdout, stderr := cliRun("train", "--model", "perceptron", "--epochs", "1", "--run-dir", runDir,
		"--data-dir", dataDir, "--backend", backend.Go, "--progress", "never")
	if code != ExitOK {
		t.Fatalf("train: exit code %d\n%s%s", code, stdout, stderr)
	}
	t.Run("a perceptron of three named classes: three maps of 12x10", func(t *testing.T) {
		code, stdout, stderr := cliRun("explain", runDir)
		if code != ExitOK || stderr != "" {
			t.Fatalf("exit code %d, stderr %q", code, stderr)
		}
		if !strings.Contains(stdout, "(3 weight maps") {
			t.Errorf("stdout %q, want 3 maps", stdout)
		}
		// One row of three 40x48-pixel maps (scale 4), a title and a scale.
		if w, h := pngSize(t, filepath.Join(runDir, "explain.png")); w < 3*40 || h < 48+100 || h > 48+300 {
			t.Errorf("explain.png is %dx%d, want one row of three 40x48 maps", w, h)
		}
	})

	// A checkpoint as written before checkpoints recorded the data's shape:
	// its meta.json without "data", of a model whose 120 inputs are not
	// MNIST's 784, so the image size cannot be known.
	c, _, err := train.ResolveCheckpoint(runDir)
	if err != nil {
		t.Fatal(err)
	}
	var meta map[string]any
	if err := json.Unmarshal(c.Meta, &meta); err != nil {
		t.Fatal(err)
	}
	delete(meta, "data")
	dir := filepath.Join(t.TempDir(), "checkpoints")
	mgr, err := checkpoint.NewManager(dir, 1, "", checkpoint.ManagerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	old, _, err := mgr.Save(checkpoint.Snapshot{Step: c.Manifest.Step, Epoch: c.Manifest.Epoch, Reason: c.Manifest.Reason,
		Meta: meta, Variables: c.Variables})
	if err != nil {
		t.Fatal(err)
	}
	checkFailures(t, []usageCase{
		{"a checkpoint that does not record its image size", []string{"explain", old, "--out", filepath.Join(t.TempDir(), "w.png")},
			ExitFailure, []string{old, "weight maps need the image size", "does not record"}, 0},
	})
}
