package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/neurona/neurona/train/backend"
)

func TestParsePredict(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		path    string
		images  []string
		indices []int
		json    bool
	}{
		{"images after the run folder", []string{"runs/x", "a.png", "b.png"}, "runs/x", []string{"a.png", "b.png"}, nil, false},
		{"test indices and ranges", []string{"runs/x", "--test-index", "3,0,10-12"}, "runs/x", nil, []int{3, 0, 10, 11, 12}, false},
		{"--test-index given twice adds up", []string{"--test-index", "1", "runs/x", "--test-index=2"}, "runs/x", nil, []int{1, 2}, false},
		{"flags between images", []string{"runs/x", "a.png", "--json", "b.png", "--test-index", "9999"}, "runs/x", []string{"a.png", "b.png"}, []int{9999}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := parsePredict(tt.args, &env{stdout: io.Discard, stderr: io.Discard, getenv: func(string) string { return "" }})
			if err != nil {
				t.Fatal(err)
			}
			if o.path != tt.path || !slices.Equal(o.images, tt.images) || !slices.Equal(o.testIndex, tt.indices) || o.json != tt.json {
				t.Errorf("options %+v, want path %s, images %v, indices %v, json %t", *o, tt.path, tt.images, tt.indices, tt.json)
			}
		})
	}
}

func TestParsePredictErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"no run folder", nil, []string{"missing the run folder"}},
		{"no images", []string{"runs/x"}, []string{"no images", "--test-index"}},
		{"an index that is a word", []string{"runs/x", "--test-index", "seven"}, []string{`"seven"`, "N[,M...]"}},
		{"a negative index", []string{"runs/x", "--test-index", "-1"}, []string{`"-1"`}},
		{"an empty item", []string{"runs/x", "--test-index", "1,,2"}, []string{`""`}},
		{"a reversed range", []string{"runs/x", "--test-index", "9-3"}, []string{`"9-3"`}},
		{"a range of a million", []string{"runs/x", "--test-index", "0-999999"}, []string{"more than 10000"}},
		{"an unknown backend", []string{"runs/x", "a.png", "--backend", "abacus"}, []string{`"abacus"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parsePredict(tt.args, &env{stdout: io.Discard, stderr: io.Discard, getenv: func(string) string { return "" }})
			var ue usageError
			if err == nil || !errors.As(err, &ue) {
				t.Fatalf("error %v, want a usage error", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

// predictJSON is `predict --json` as a test reads it.
type predictJSON struct {
	Checkpoint, Model, Outputs string
	Predictions                []struct {
		Name          string
		Label         *int
		Class         int
		ClassName     string `json:"class_name"`
		Confidence    *float32
		Margin        *float32
		Probabilities []float32
	}
}

func TestPredict(t *testing.T) {
	runDir, dataDir := trainedRun(t, 3)
	pngDir := t.TempDir()
	var pngs []string
	for d := range 10 {
		pngs = append(pngs, fakePNG(t, pngDir, d))
	}

	t.Run("--json: PNG files and test images predict the same as their pixels", func(t *testing.T) {
		args := append([]string{"predict", runDir}, pngs...)
		args = append(args, "--test-index", "0-9", "--json", "--data-dir", dataDir, "--backend", "go")
		code, stdout, stderr := cliRun(args...)
		if code != ExitOK || stderr != "" {
			t.Fatalf("exit code %d, stderr %q", code, stderr)
		}
		var r predictJSON
		if err := json.Unmarshal([]byte(stdout), &r); err != nil {
			t.Fatalf("%v in\n%s", err, stdout)
		}
		// The checkpoint of the epoch the run tested (its best, with the
		// perceptron's --restore-best).
		wantCkpt := fmt.Sprintf("ckpt-%09d", 2*testedEpoch(t, runDir))
		if r.Outputs != "step" || r.Model != "perceptron 784-10" || !strings.HasSuffix(r.Checkpoint, wantCkpt) {
			t.Errorf("report header %+v", r)
		}
		if len(r.Predictions) != 20 {
			t.Fatalf("%d predictions, want 20", len(r.Predictions))
		}
		for i, p := range r.Predictions {
			d := i % 10
			if i < 10 && (p.Name != pngs[d] || p.Label != nil) {
				t.Errorf("prediction %d: name %q, label %v; want %s and no label", i, p.Name, p.Label, pngs[d])
			}
			if i >= 10 && (p.Name != "test["+strconv.Itoa(d)+"]" || p.Label == nil || *p.Label != d) {
				t.Errorf("prediction %d: name %q, label %v; want test[%d] labelled %d", i, p.Name, p.Label, d, d)
			}
			if p.Class != d || len(p.Probabilities) != 10 || p.ClassName != "" {
				t.Errorf("prediction %d: %+v, want digit %d and 10 outputs", i, p, d)
			}
			// Step outputs are no confidence: the perceptron says its margin,
			// the winning score minus the runner-up's, never negative.
			if p.Confidence != nil || p.Margin == nil || *p.Margin < 0 {
				t.Errorf("prediction %d: confidence %v, margin %v; want no confidence and a margin >= 0", i, p.Confidence, p.Margin)
			}
			for _, v := range p.Probabilities {
				if v != 0 && v != 1 {
					t.Errorf("prediction %d: perceptron output %g, want 0 or 1", i, v)
				}
			}
			if i >= 10 && !slices.Equal(p.Probabilities, r.Predictions[d].Probabilities) {
				t.Errorf("test[%d] has outputs %v, its PNG %v", d, p.Probabilities, r.Predictions[d].Probabilities)
			}
		}
	})

	t.Run("text: a header saying what the outputs are, then one row per image", func(t *testing.T) {
		code, stdout, stderr := cliRun("predict", runDir, pngs[3], "--test-index", "7", "--data-dir", dataDir, "--backend", "go")
		if code != ExitOK || stderr != "" {
			t.Fatalf("exit code %d, stderr %q", code, stderr)
		}
		for _, want := range []string{
			"model       perceptron 784-10",
			"outputs     per-class step outputs, 1 if the class's score is above 0",
			"no confidence",
			"its margin that score minus the runner-up's",
			"IMAGE TRUE DIGIT MARGIN 0 1 2 3 4 5 6 7 8 9",
			pngs[3] + " - 3 ",
			"test[7] 7 7 ",
		} {
			if !strings.Contains(strings.Join(strings.Fields(stdout), " "), strings.Join(strings.Fields(want), " ")) {
				t.Errorf("output does not say %q:\n%s", want, stdout)
			}
		}
	})

	dir := t.TempDir()
	notPNG := filepath.Join(dir, "notes.png")
	os.WriteFile(notPNG, []byte("a text file, not an image\n"), 0o644)
	missing := filepath.Join(dir, "missing.png")
	checkFailures(t, []usageCase{
		{"a missing image", []string{"predict", runDir, missing}, ExitUsage, []string{missing, "does not exist"}, 0},
		{"a file that is not a PNG", []string{"predict", runDir, notPNG}, ExitFailure, []string{notPNG, "not a valid PNG"}, 0},
		{"a test index beyond the test set", []string{"predict", runDir, "--test-index", "50", "--data-dir", dataDir}, ExitUsage, []string{"--test-index 50", "0..49"}, 0},
		{"no images", []string{"predict", runDir}, ExitUsage, []string{"no images"}, 0},
		{"a run folder that does not exist", []string{"predict", filepath.Join(dir, "run"), pngs[0]}, ExitUsage, []string{"does not exist"}, 0},
	})
}

// An MLP's outputs are softmax probabilities: they sum to 1.
func TestPredictWithAnMLP(t *testing.T) {
	dataDir := fakeMNIST(t)
	runDir := filepath.Join(t.TempDir(), "run")
	if code, stdout, stderr := cliRun("train", "--model", "mlp", "--hidden", "8", "--epochs", "1", "--run-dir", runDir,
		"--data-dir", dataDir, "--backend", backend.Go, "--progress", "never"); code != ExitOK {
		t.Fatalf("train: exit code %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, stderr := cliRun("predict", runDir, "--test-index", "0,1", "--json", "--data-dir", dataDir, "--backend", "go")
	if code != ExitOK || stderr != "" {
		t.Fatalf("exit code %d, stderr %q", code, stderr)
	}
	var r predictJSON
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatal(err)
	}
	if r.Outputs != "softmax" || len(r.Predictions) != 2 {
		t.Fatalf("report %+v", r)
	}
	for _, p := range r.Predictions {
		var sum float64
		for _, v := range p.Probabilities {
			sum += float64(v)
		}
		if math.Abs(sum-1) > 1e-4 || p.Confidence == nil || *p.Confidence != slices.Max(p.Probabilities) || p.Margin != nil {
			t.Errorf("%s: probabilities %v sum to %g, confidence %v, margin %v; want a sum of 1, the largest and no margin",
				p.Name, p.Probabilities, sum, p.Confidence, p.Margin)
		}
	}
	code, stdout, _ = cliRun("predict", runDir, "--test-index", "0", "--data-dir", dataDir, "--backend", "go")
	if code != ExitOK || !strings.Contains(stdout, "class probabilities (softmax)") || !strings.Contains(stdout, "0.") {
		t.Errorf("text output:\n%s", stdout)
	}
}
