package cli

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/neurona/neurona/data"
	"github.com/neurona/neurona/train/backend"
	"github.com/neurona/neurona/train/runfolder"
)

// fakeDigit draws the made-up digit d on 28x28 pixels: a 20x20 frame, a
// nub in its lower right corner, and a pair of bars mirrored about the
// center (horizontal for 0..4, vertical for 5..9). Every digit has its
// bounding box at 4..23 and its center of mass at 13.8 in both axes, so
// data.ImageToMNIST gives it back unchanged from a 10x dark-on-light
// rendering (fakePNG).
func fakeDigit(d int) []uint8 {
	px := make([]uint8, 28*28)
	set := func(r, c int) { px[r*28+c] = 255 }
	for i := 4; i <= 23; i++ {
		set(4, i)
		set(23, i)
		set(i, 4)
		set(i, 23)
	}
	for _, p := range [][2]int{{21, 21}, {21, 22}, {22, 21}, {22, 22}} {
		set(p[0], p[1])
	}
	at := 6 + 2*(d%5)
	if d == 4 || d == 9 {
		at = 13 // the pair at 13 and 14 touches
	}
	for i := 7; i <= 20; i++ {
		if d < 5 {
			set(at, i)
			set(27-at, i)
		} else {
			set(i, at)
			set(i, 27-at)
		}
	}
	return px
}

// writeIDX writes an IDX file of unsigned bytes.
func writeIDX(t *testing.T, path string, dims []uint32, values []uint8) {
	t.Helper()
	if err := os.WriteFile(path, idx(dims, values), 0o644); err != nil {
		t.Fatal(err)
	}
}

// idx encodes an IDX file of unsigned bytes.
func idx(dims []uint32, values []uint8) []byte {
	var b bytes.Buffer
	b.Write([]byte{0, 0, 0x08, byte(len(dims))})
	for _, d := range dims {
		_ = binary.Write(&b, binary.BigEndian, d) // a bytes.Buffer does not fail
	}
	b.Write(values)
	return b.Bytes()
}

// fakeMNIST writes an MNIST-shaped data set of fake digits (fakeDigit):
// 200 training and 50 test images, the labels cycling through 0..9.
func fakeMNIST(t *testing.T) string {
	t.Helper()
	return fakeMNISTOfSize(t, 200, 50)
}

// fakeMNISTOfSize is fakeMNIST with nTrain training and nTest test images.
func fakeMNISTOfSize(t *testing.T, nTrain, nTest int) string {
	t.Helper()
	dir := t.TempDir()
	if err := writeFakeMNIST(dir, nTrain, nTest); err != nil {
		t.Fatal(err)
	}
	return dir
}

// writeFakeMNIST writes nTrain training and nTest test images of fake
// digits into dir.
func writeFakeMNIST(dir string, nTrain, nTest int) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, split := range []struct {
		prefix string
		n      int
	}{{"train", nTrain}, {"t10k", nTest}} {
		var images, labels []uint8
		for i := range split.n {
			images = append(images, fakeDigit(i%10)...)
			labels = append(labels, uint8(i%10))
		}
		if err := os.WriteFile(filepath.Join(dir, split.prefix+"-images-idx3-ubyte"), idx([]uint32{uint32(split.n), 28, 28}, images), 0o644); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, split.prefix+"-labels-idx1-ubyte"), idx([]uint32{uint32(split.n)}, labels), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// cliRun runs the command line args through Main.
func cliRun(args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = Main(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// trainedRun returns a copy of a perceptron trained on fakeMNIST for epochs
// epochs (one checkpoint each), and the data folder; each recipe trains
// once per test process (trainOnce).
func trainedRun(t *testing.T, epochs int) (runDir, dataDir string) {
	t.Helper()
	return fakeMNISTFixture(t, "--model", "perceptron", "--epochs", strconv.Itoa(epochs), "--batch-size", "128",
		"--tol", "0", "--backend", backend.Go, "--progress", "never")
}

// fakePNG writes fake test digit d as a scan would look: 280x280, dark
// gray ink on light paper.
func fakePNG(t *testing.T, dir string, d int) string {
	t.Helper()
	px := fakeDigit(d)
	img := image.NewGray(image.Rect(0, 0, 280, 280))
	for y := range 280 {
		for x := range 280 {
			img.Pix[y*280+x] = 255 - px[(y/10)*28+x/10]
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "digit-"+strconv.Itoa(d)+".png")
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestFakeDigitsSurviveThePNGConversion(t *testing.T) {
	dir := t.TempDir()
	for d := range 10 {
		got, err := data.LoadPNG(fakePNG(t, dir, d))
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, fakeDigit(d)) {
			t.Errorf("digit %d changed in the PNG round trip", d)
		}
	}
}

func TestParseEval(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want evalOptions
	}{
		{"a run folder alone", []string{"runs/x"}, evalOptions{path: "runs/x"}},
		{"flags after the folder", []string{"runs/x", "--json", "--data-dir", "d", "--backend", "go"},
			evalOptions{path: "runs/x", json: true, backend: "go", data: data.LocateOptions{DataDir: "d"}}},
		{"flags before the folder", []string{"--json", "runs/x/checkpoints/ckpt-000000001"},
			evalOptions{path: "runs/x/checkpoints/ckpt-000000001", json: true}},
		{"-- before a folder that looks like a flag", []string{"--json", "--", "-odd"}, evalOptions{path: "-odd", json: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := parseEval(tt.args, &env{stdout: io.Discard, stderr: io.Discard, getenv: func(string) string { return "" }})
			if err != nil {
				t.Fatal(err)
			}
			if o.path != tt.want.path || o.json != tt.want.json || o.backend != tt.want.backend || o.data.DataDir != tt.want.data.DataDir {
				t.Errorf("options %+v, want %+v", *o, tt.want)
			}
			if !o.data.Download || o.data.Getenv == nil || o.data.Logf == nil {
				t.Errorf("data options %+v, want downloads on, getenv and logf set", o.data)
			}
		})
	}
}

// usageCase is a command line that must fail with one line on stderr.
type usageCase struct {
	name string
	args []string
	code int
	want []string // in the stderr line
	// lines on stderr besides the error: one per skipped checkpoint
	skipped int
}

func checkFailures(t *testing.T, tests []usageCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := cliRun(tt.args...)
			if code != tt.code {
				t.Errorf("exit code %d, want %d; stderr %q", code, tt.code, stderr)
			}
			if strings.Count(stderr, "\n") != 1+tt.skipped || !strings.HasSuffix(stderr, "\n") {
				t.Errorf("stderr is not %d lines:\n%s", 1+tt.skipped, stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr %q does not mention %q", stderr, w)
				}
			}
			if strings.Contains(stderr+stdout, "goroutine") || strings.Contains(stderr, ".go:") {
				t.Errorf("output carries a stack:\n%s%s", stdout, stderr)
			}
		})
	}
}

// testedEpoch reads the epoch whose weights a run tested from its
// summary.json; with the fake data an epoch is 2 steps, so its checkpoint
// is ckpt-<2 x epoch>.
func testedEpoch(t *testing.T, runDir string) int {
	t.Helper()
	var summary struct {
		EvaluatedEpoch int `json:"evaluated_epoch"`
	}
	raw, err := os.ReadFile(filepath.Join(runDir, "summary.json"))
	if err != nil || json.Unmarshal(raw, &summary) != nil || summary.EvaluatedEpoch == 0 {
		t.Fatalf("summary.json: %v %s", err, raw)
	}
	return summary.EvaluatedEpoch
}

func TestEval(t *testing.T) {
	runDir, dataDir := trainedRun(t, 3)
	ckpts := runfolder.CheckpointsDir(runDir)
	newest := filepath.Join(ckpts, "ckpt-000000006") // 180 training images in batches of 128: 2 steps an epoch

	t.Run("text: loss, accuracy, per-digit table and confusion matrix", func(t *testing.T) {
		code, stdout, stderr := cliRun("eval", runDir, "--data-dir", dataDir, "--backend", "go")
		if code != ExitOK || stderr != "" {
			t.Fatalf("exit code %d, stderr %q", code, stderr)
		}
		// A run folder is evaluated with the checkpoint of the epoch it
		// tested (its best, with the perceptron's --restore-best).
		e := testedEpoch(t, runDir)
		for _, want := range []string{
			fmt.Sprintf("checkpoint  %s (step %d, epoch %d)", filepath.Join(ckpts, fmt.Sprintf("ckpt-%09d", 2*e)), 2*e, e),
			"pictures    misclassified.png, confusion.png, curves.png in " + runDir,
			"model       perceptron 784-10",
			"backend     go",
			"data        50 test images from " + dataDir + " (--data-dir)",
			"test        loss ",
			"digit  precision  recall  images",
			"mean",
			"confusion matrix (rows: true digit, columns: predicted digit)",
			"true 0 1 2 3 4 5 6 7 8 9",
		} {
			if !strings.Contains(strings.Join(strings.Fields(stdout), " "), strings.Join(strings.Fields(want), " ")) {
				t.Errorf("output does not say %q:\n%s", want, stdout)
			}
		}
		// Ten matrix rows of ten counts, summing to the 50 test images.
		lines := strings.Split(strings.TrimSpace(stdout), "\n")
		header := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(strings.TrimSpace(l), "true") })
		if header < 0 || header+11 > len(lines) {
			t.Fatalf("no confusion matrix:\n%s", stdout)
		}
		total := 0
		for _, line := range lines[header+1 : header+11] {
			f := strings.Fields(line)
			if len(f) != 11 {
				t.Fatalf("matrix row %q has %d fields, want 11", line, len(f))
			}
			for _, s := range f[1:] {
				n, err := strconv.Atoi(s)
				if err != nil {
					t.Fatalf("matrix row %q: %v", line, err)
				}
				total += n
			}
		}
		if total != 50 {
			t.Errorf("the confusion matrix counts %d images, want 50", total)
		}
	})

	t.Run("--json: one object with the evaluation and what was evaluated", func(t *testing.T) {
		code, stdout, stderr := cliRun("eval", "--json", newest, "--data-dir", dataDir, "--backend", "go")
		if code != ExitOK || stderr != "" {
			t.Fatalf("exit code %d, stderr %q", code, stderr)
		}
		var r struct {
			Checkpoint, Model, Backend string
			Data                       string
			OtherData                  bool `json:"other_data"`
			Step, Epoch, Examples      int
			Loss, Accuracy             float64
			Precision, Recall          []float64
			Confusion                  [][]int
		}
		dec := json.NewDecoder(strings.NewReader(stdout))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&r); err != nil {
			t.Fatalf("%v in\n%s", err, stdout)
		}
		if dec.More() {
			t.Errorf("more than one JSON value:\n%s", stdout)
		}
		if r.Checkpoint != newest || r.Model != "perceptron 784-10" || r.Step != 6 || r.Epoch != 3 || r.Backend != "go" || r.Examples != 50 ||
			r.Data != dataDir || r.OtherData {
			t.Errorf("report %+v", r)
		}
		if len(r.Precision) != 10 || len(r.Recall) != 10 || len(r.Confusion) != 10 || r.Accuracy < 0 || r.Accuracy > 1 {
			t.Errorf("report %+v", r)
		}
		// The fake digits are trivially separable: three epochs learn them.
		if r.Accuracy != 1 {
			t.Errorf("accuracy %g on the fake digits, want 1", r.Accuracy)
		}
	})

	t.Run("a corrupt newest checkpoint is skipped with one line on stderr", func(t *testing.T) {
		dir := copyRun(t, runDir)
		bad := filepath.Join(runfolder.CheckpointsDir(dir), "ckpt-000000006")
		if err := os.Truncate(filepath.Join(bad, "variables.bin"), 7); err != nil {
			t.Fatal(err)
		}
		// Without summary.json (a run that crashed) eval takes the newest
		// valid checkpoint.
		if err := os.Remove(filepath.Join(dir, "summary.json")); err != nil {
			t.Fatal(err)
		}
		code, stdout, stderr := cliRun("eval", dir, "--data-dir", dataDir, "--backend", "go")
		if code != ExitOK {
			t.Fatalf("exit code %d, stderr %q", code, stderr)
		}
		if strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "skipped corrupt checkpoint") || !strings.Contains(stderr, bad) {
			t.Errorf("stderr %q, want one line naming the skipped %s", stderr, bad)
		}
		if !strings.Contains(stdout, "ckpt-000000004 (step 4, epoch 2)") {
			t.Errorf("did not evaluate the previous checkpoint:\n%s", stdout)
		}
	})

	missing := filepath.Join(t.TempDir(), "missing")
	notRun := t.TempDir()
	corrupt := copyRun(t, runDir)
	for _, c := range []string{"ckpt-000000002", "ckpt-000000004", "ckpt-000000006"} {
		os.Remove(filepath.Join(runfolder.CheckpointsDir(corrupt), c, "meta.json"))
	}
	checkFailures(t, []usageCase{
		{"no folder", []string{"eval"}, ExitUsage, []string{"missing the run folder"}, 0},
		{"two folders", []string{"eval", runDir, runDir}, ExitUsage, []string{"unexpected argument"}, 0},
		{"a folder that does not exist", []string{"eval", missing}, ExitUsage, []string{missing, "does not exist"}, 0},
		{"a folder that is not a run", []string{"eval", notRun}, ExitUsage, []string{notRun, "not a run folder"}, 0},
		{"an unknown backend", []string{"eval", runDir, "--backend", "abacus"}, ExitUsage, []string{`"abacus"`, "accepted: xla:cuda, xla:cpu, go"}, 0},
		{"an unknown flag", []string{"eval", runDir, "--bogus"}, ExitUsage, []string{"-bogus", "neurona eval --help"}, 0},
		{"a data folder without MNIST", []string{"eval", runDir, "--data-dir", missing}, ExitUsage, []string{"--data-dir", missing}, 0},
		// 3 skipped checkpoints, and the line saying the tested epoch's is gone.
		{"only corrupt checkpoints", []string{"eval", corrupt, "--data-dir", dataDir}, ExitFailure, []string{"no valid checkpoint"}, 4},
	})
}
