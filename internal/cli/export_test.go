package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/neurona/neurona/internal/export"
	"github.com/neurona/neurona/train/backend"
)

// exportClients finds what checks neurona's exports: a python3 that imports
// onnx and numpy (Debian's python3-onnx, python3-numpy), and node with
// onnxruntime-node (.ci/run installs it in .ci/node_modules;
// NEURONA_NODE_MODULES names another folder). It skips the test with the
// reason when one is missing, or fails it with CI=true.
func exportClients(t *testing.T) (python string, nodeEnv []string) {
	t.Helper()
	missing := func(format string, args ...any) {
		t.Helper()
		if os.Getenv("CI") == "true" {
			t.Fatalf(format+" (.ci/run installs it)", args...)
		}
		t.Skipf(format, args...)
	}
	for _, p := range []string{os.Getenv("NEURONA_PYTHON"), "python3", "/usr/bin/python3"} {
		if p != "" && exec.Command(p, "-c", "import onnx, numpy").Run() == nil {
			python = p
			break
		}
	}
	if python == "" {
		missing("no python3 that imports onnx and numpy (Debian: apt-get install python3-onnx python3-numpy)")
	}
	modules := os.Getenv("NEURONA_NODE_MODULES")
	if modules == "" {
		modules, _ = filepath.Abs(filepath.Join("..", "..", ".ci", "node_modules"))
	}
	nodeEnv = append(os.Environ(), "NODE_PATH="+modules)
	check := exec.Command("node", "-e", "require('onnxruntime-node')")
	check.Env = nodeEnv
	if out, err := check.CombinedOutput(); err != nil {
		line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
		missing("no node with onnxruntime-node in %s (npm install --prefix .ci --ignore-scripts onnxruntime-node): %v: %s", modules, err, firstChars(line, 200))
	}
	return python, nodeEnv
}

// exportedModel is one model of TestExportMatchesPredict: what check.py
// and run.js read from the manifest.
type exportedModel struct {
	ONNX       string `json:"onnx"`
	NPZ        string `json:"npz,omitempty"`
	Uint8      bool   `json:"uint8"` // pixels as uint8
	Image      bool   `json:"image"` // pixels [N, rows, cols]
	Activation string `json:"activation"`
	Hidden     []int  `json:"hidden"`
}

// Every model kind neurona trains, exported to ONNX and npz, computes what
// neurona predict computes: onnx.checker accepts each file, ONNX Runtime
// gives predict's classes and probabilities (within 1e-5) on the test
// images, fed as float32 [N, rows·cols] or as uint8 [N, rows, cols]
// (--input-type uint8 --input-shape image), the metadata names the input's image size and the classes, and a
// NumPy forward pass over the npz arrays gives the same classes.
func TestExportMatchesPredict(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a model of each kind")
	}
	python, nodeEnv := exportClients(t)
	const nTest = 1000 // the acceptance: 1,000 test images through ONNX Runtime
	dataDir := shapesDataOfSize(t, 800, nTest)
	for _, tc := range []struct {
		name       string
		flags      []string
		activation string
		hidden     []int
	}{
		{"a perceptron with its last weights", []string{"--model", "perceptron"}, "", []int{}},
		{"a perceptron with averaged weights", []string{"--model", "perceptron", "--average"}, "", []int{}},
		{"an MLP with ReLU and softmax", []string{"--hidden", "16", "--activation", "relu"}, "relu", []int{16}},
		{"an MLP with leaky ReLU and sigmoid outputs", []string{"--hidden", "12,8", "--activation", "leaky_relu", "--loss", "sigmoid_bce"}, "leaky_relu", []int{12, 8}},
		{"an MLP with sigmoid and mse outputs", []string{"--hidden", "16", "--activation", "sigmoid", "--loss", "mse"}, "sigmoid", []int{16}},
		{"an MLP with tanh", []string{"--hidden", "16", "--activation", "tanh"}, "tanh", []int{16}},
		{"an MLP with linear hidden units", []string{"--hidden", "16", "--activation", "linear"}, "linear", []int{16}},
		{"an MLP with maxout of 3 pieces", []string{"--hidden", "8,6", "--activation", "maxout", "--maxout-pieces", "3"}, "maxout", []int{8, 6}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			run := filepath.Join(dir, "run")
			args := append([]string{"train", "--epochs", "1", "--batch-size", "32", "--data-dir", dataDir, "--run-dir", run,
				"--backend", backend.Go, "--progress", "never"}, tc.flags...)
			if code, stdout, stderr := cliRun(args...); code != ExitOK {
				t.Fatalf("train: exit %d\n%s%s", code, stdout, stderr)
			}
			m := exportedModel{ONNX: filepath.Join(dir, "model.onnx"), NPZ: filepath.Join(dir, "model.npz"), Activation: tc.activation, Hidden: tc.hidden}
			images := exportedModel{ONNX: filepath.Join(dir, "images.onnx"), Uint8: true, Image: true}
			for _, args := range [][]string{
				{"--format", "onnx", "--out", m.ONNX},
				{"--format", "npz", "--out", m.NPZ},
				{"--input-type", "uint8", "--input-shape", "image", "--out", images.ONNX},
			} {
				if code, _, stderr := cliRun(append([]string{"export", run}, args...)...); code != ExitOK {
					t.Fatalf("export %s: exit %d: %s", strings.Join(args, " "), code, stderr)
				}
			}
			code, stdout, stderr := cliRun("predict", run, "--json", "--test-index", fmt.Sprintf("0-%d", nTest-1), "--backend", backend.Go)
			if code != ExitOK {
				t.Fatalf("predict: exit %d: %s", code, stderr)
			}
			var want predictReport
			if err := json.Unmarshal([]byte(stdout), &want); err != nil {
				t.Fatalf("predict --json: %v", err)
			}
			checkedFiles := []string{m.ONNX, images.ONNX}
			manifest := filepath.Join(dir, "manifest.json")
			writeManifest(t, manifest, testPixels(t, dataDir, nTest), m, images)

			var checked []struct {
				Opset    int               `json:"opset"`
				Inputs   []string          `json:"inputs"`
				Outputs  []string          `json:"outputs"`
				Metadata map[string]string `json:"metadata"`
				Arrays   []string          `json:"arrays"`
				Classes  []int             `json:"classes"`
			}
			runClient(t, exec.Command(python, filepath.Join("testdata", "export", "check.py"), manifest), &checked)
			var ran []struct {
				Classes       []int       `json:"classes"`
				Probabilities [][]float64 `json:"probabilities"`
			}
			node := exec.Command("node", filepath.Join("testdata", "export", "run.js"), manifest)
			node.Env = nodeEnv
			runClient(t, node, &ran)

			if len(checked) != 2 || len(ran) != 2 {
				t.Fatalf("check.py checked %d models, run.js ran %d; want 2", len(checked), len(ran))
			}
			c := checked[0]
			if c.Opset != export.Opset || !slices.Equal(c.Inputs, []string{"pixels"}) || !slices.Equal(c.Outputs, []string{"probabilities", "class", "scores"}) {
				t.Errorf("ONNX opset %d, inputs %v, outputs %v; want %d, [pixels], [probabilities class scores]", c.Opset, c.Inputs, c.Outputs, export.Opset)
			}
			names, _ := json.Marshal(shapesNames)
			if md := c.Metadata; md["image_rows"] != fmt.Sprint(shapesRows) || md["image_cols"] != fmt.Sprint(shapesCols) || md["classes"] != string(names) || md["neurona.model"] != want.Model {
				t.Errorf("metadata_props %v; want image_rows %d, image_cols %d, classes %s, neurona.model %q", md, shapesRows, shapesCols, names, want.Model)
			}
			layers := len(tc.hidden) + 1
			if len(c.Arrays) != 2*layers {
				t.Errorf("npz arrays %v; want weights and biases of %d layers", c.Arrays, layers)
			}
			if in := checked[1].Metadata["input"]; !strings.HasPrefix(in, fmt.Sprintf("pixels: uint8 [N, %d, %d]", shapesRows, shapesCols)) {
				t.Errorf("metadata input %q of the uint8 image model", in)
			}
			for i, p := range want.Predictions {
				if c.Classes[i] != p.Class {
					t.Errorf("test[%d]: predict says class %d, NumPy on the npz %d", i, p.Class, c.Classes[i])
				}
				for j, r := range ran {
					if r.Classes[i] != p.Class {
						t.Errorf("test[%d]: predict says class %d, ONNX Runtime on %s %d", i, p.Class, filepath.Base(checkedFiles[j]), r.Classes[i])
					}
					for k, prob := range p.Probabilities {
						if d := math.Abs(float64(prob) - r.Probabilities[i][k]); !(d <= 1e-5) {
							t.Errorf("test[%d] class %d: predict's probability %g, ONNX Runtime's on %s %g", i, k, prob, filepath.Base(checkedFiles[j]), r.Probabilities[i][k])
						}
					}
				}
			}
		})
	}
}

// testPixels returns the first n test images of an IDX data folder, one
// row of pixels (0-255) each.
func testPixels(t *testing.T, dataDir string, n int) [][]float32 {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dataDir, "t10k-images-idx3-ubyte"))
	if err != nil {
		t.Fatal(err)
	}
	size := shapesRows * shapesCols
	if len(b) < 16+n*size {
		t.Fatalf("%d bytes of test images, want %d images of %d pixels", len(b), n, size)
	}
	out := make([][]float32, n)
	for i := range out {
		for _, p := range b[16+i*size : 16+(i+1)*size] {
			out[i] = append(out[i], float32(p))
		}
	}
	return out
}

func writeManifest(t *testing.T, path string, pixels [][]float32, models ...exportedModel) {
	t.Helper()
	b, err := json.Marshal(map[string]any{"pixels": pixels, "models": models, "image_rows": shapesRows, "image_cols": shapesCols})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// runClient runs cmd and decodes its stdout, a JSON array of one result.
func runClient(t *testing.T, cmd *exec.Cmd, out any) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\n%s", filepath.Base(cmd.Args[1]), err, firstChars(stderr.String(), 2000))
	}
	if err := json.Unmarshal(stdout.Bytes(), out); err != nil {
		t.Fatalf("%s printed %q: %v", filepath.Base(cmd.Args[1]), firstChars(stdout.String(), 200), err)
	}
	if strings.TrimSpace(stdout.String()) == "[]" {
		t.Fatalf("%s checked no model", filepath.Base(cmd.Args[1]))
	}
}
