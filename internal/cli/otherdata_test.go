package cli

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/neurona/neurona/train/backend"
)

// shapesRows and shapesCols are the image size of shapesData: not MNIST's.
const shapesRows, shapesCols = 12, 10

// shapesNames are shapesData's classes, in its classes.txt.
var shapesNames = []string{"bar", "column", "cross"}

// shapesData writes a dataset in MNIST's format that is not MNIST: 1,000
// images of 12x10 pixels (800 for training, 200 for testing) of three
// classes, a horizontal bar, a vertical bar and a cross, each at a random
// place with noise, and a classes.txt naming them.
func shapesData(t *testing.T) string {
	t.Helper()
	return shapesDataOfSize(t, 800, 200)
}

// shapesDataOfSize is shapesData with nTrain training and nTest test images.
func shapesDataOfSize(t *testing.T, nTrain, nTest int) string {
	t.Helper()
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(3, 5))
	for _, split := range []struct {
		prefix string
		n      int
	}{{"train", nTrain}, {"t10k", nTest}} {
		var images, labels []uint8
		for i := range split.n {
			class := i % 3
			img := make([]uint8, shapesRows*shapesCols)
			for p := range img {
				img[p] = uint8(rng.IntN(60))
			}
			r, c := 2+rng.IntN(shapesRows-4), 2+rng.IntN(shapesCols-4)
			for k := -2; k <= 2; k++ {
				if class != 1 { // a bar across row r
					img[r*shapesCols+c+k] = 255
				}
				if class != 0 { // a column down col c
					img[(r+k)*shapesCols+c] = 255
				}
			}
			images = append(images, img...)
			labels = append(labels, uint8(class))
		}
		writeIDX(t, filepath.Join(dir, split.prefix+"-images-idx3-ubyte"), []uint32{uint32(split.n), shapesRows, shapesCols}, images)
		writeIDX(t, filepath.Join(dir, split.prefix+"-labels-idx1-ubyte"), []uint32{uint32(split.n)}, labels)
	}
	if err := os.WriteFile(filepath.Join(dir, "classes.txt"), []byte(strings.Join(shapesNames, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// A dataset in MNIST's format other than MNIST's digits works end to end
// with no code change: the model is sized by its images and classes, and
// train, eval, report, predict and explain on the run use it, name its
// classes, and agree on the accuracy.
func TestOtherDatasetEndToEnd(t *testing.T) {
	dataDir := shapesData(t)
	runDir := filepath.Join(t.TempDir(), "run")
	code, stdout, stderr := cliRun("train", "--hidden", "16", "--epochs", "10", "--lr", "0.01", "--batch-size", "32", "--run-dir", runDir,
		"--data-dir", dataDir, "--backend", backend.Go, "--progress", "never")
	if code != ExitOK {
		t.Fatalf("train: exit %d\n%s%s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "mlp 120-16-3 relu softmax_ce") {
		t.Errorf("train did not size the model by the data (120 pixels, 3 classes):\n%s", stdout)
	}
	var summary struct {
		TestAccuracy float64 `json:"test_accuracy"`
		Data         struct {
			Classes struct {
				N     int
				Names []string
			}
			ImageRows int `json:"image_rows"`
			ImageCols int `json:"image_cols"`
		}
	}
	raw, err := os.ReadFile(filepath.Join(runDir, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &summary); err != nil {
		t.Fatal(err)
	}
	if summary.Data.Classes.N != 3 || !slices.Equal(summary.Data.Classes.Names, shapesNames) ||
		summary.Data.ImageRows != shapesRows || summary.Data.ImageCols != shapesCols {
		t.Errorf("summary.json records %+v, want 3 classes named %v of %dx%d images", summary.Data, shapesNames, shapesRows, shapesCols)
	}
	if summary.TestAccuracy < 0.9 {
		t.Errorf("test accuracy %.4f on three easy shapes, want >= 0.9", summary.TestAccuracy)
	}
	accuracy := fmt.Sprintf("%.4f", summary.TestAccuracy)

	t.Run("eval uses the run's data and names its classes", func(t *testing.T) {
		code, stdout, stderr := cliRun("eval", runDir, "--backend", "go")
		if code != ExitOK {
			t.Fatalf("eval: exit %d\n%s", code, stderr)
		}
		for _, want := range []string{"accuracy " + accuracy, "class", "bar", "column", "cross",
			"200 test images from " + dataDir, "rows: true class"} {
			if !strings.Contains(stdout, want) {
				t.Errorf("eval does not say %q:\n%s", want, stdout)
			}
		}
		if strings.Contains(stdout, "digit") || strings.Contains(stdout, "WARNING") {
			t.Errorf("eval speaks of digits or warns on the run's own data:\n%s", stdout)
		}
		code, stdout, _ = cliRun("eval", runDir, "--json", "--backend", "go")
		var r struct {
			Accuracy float64
			Classes  []string
			Data     string
		}
		if err := json.Unmarshal([]byte(stdout), &r); code != ExitOK || err != nil {
			t.Fatalf("eval --json: exit %d, %v\n%s", code, err, stdout)
		}
		if fmt.Sprintf("%.4f", r.Accuracy) != accuracy || !slices.Equal(r.Classes, shapesNames) || r.Data != dataDir {
			t.Errorf("eval --json: accuracy %.4f, classes %v, data %s; want %s, %v, %s", r.Accuracy, r.Classes, r.Data, accuracy, shapesNames, dataDir)
		}
	})

	t.Run("report shows the same accuracy and the class names", func(t *testing.T) {
		code, stdout, stderr := cliRun("report", runDir, "--backend", "go")
		if code != ExitOK {
			t.Fatalf("report: exit %d\n%s", code, stderr)
		}
		page, err := os.ReadFile(filepath.Join(runDir, "report.html"))
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"test accuracy " + accuracy, `<td class="n">column</td>`, `<th class="n">class</th>`} {
			if !strings.Contains(stdout+string(page), want) {
				t.Errorf("report does not hold %q", want)
			}
		}
		if strings.Contains(string(page), `id="warning"`) {
			t.Error("report warns of other data on the run's own data")
		}
	})

	t.Run("predict names the classes; a PNG is refused in one line", func(t *testing.T) {
		code, stdout, stderr := cliRun("predict", runDir, "--test-index", "0,1,2", "--json", "--backend", "go")
		if code != ExitOK {
			t.Fatalf("predict: exit %d\n%s", code, stderr)
		}
		var r predictJSON
		if err := json.Unmarshal([]byte(stdout), &r); err != nil {
			t.Fatal(err)
		}
		for i, p := range r.Predictions {
			if len(p.Probabilities) != 3 || p.ClassName != shapesNames[p.Class] || p.Label == nil || *p.Label != i {
				t.Errorf("prediction %d: %+v, want 3 outputs, a class name of %v and label %d", i, p, shapesNames, i)
			}
		}
		code, stdout, _ = cliRun("predict", runDir, "--test-index", "2", "--backend", "go")
		if code != ExitOK || !strings.Contains(strings.Join(strings.Fields(stdout), " "), "IMAGE TRUE CLASS CONFIDENCE bar column cross") ||
			!strings.Contains(stdout, "test[2]  cross") {
			t.Errorf("predict text: exit %d\n%s", code, stdout)
		}
		png := fakePNG(t, t.TempDir(), 3)
		code, _, stderr = cliRun("predict", runDir, png, "--backend", "go")
		if code != ExitFailure || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "12x10") || !strings.Contains(stderr, "28x28") {
			t.Errorf("predict of a PNG with a 12x10 model: exit %d, stderr %q; want one line naming both sizes", code, stderr)
		}
	})

	t.Run("explain draws 12x10 maps captioned by name; data info names the classes", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "explain.png")
		code, stdout, stderr := cliRun("explain", runDir, "--out", out)
		if code != ExitOK || !strings.Contains(stdout, "wrote "+out) {
			t.Fatalf("explain: exit %d\n%s%s", code, stdout, stderr)
		}
		if st, err := os.Stat(out); err != nil || st.Size() == 0 {
			t.Errorf("explain wrote no picture: %v", err)
		}
		code, stdout, _ = cliRun("data", "info", "--data-dir", dataDir)
		for _, want := range []string{"12x10", "bar 267", "column 267", "cross 266"} {
			if code != ExitOK || !strings.Contains(stdout, want) {
				t.Errorf("data info: exit %d, does not say %q:\n%s", code, want, stdout)
			}
		}
	})

	t.Run("--classes renames the classes of a run", func(t *testing.T) {
		code, stdout, _ := cliRun("eval", runDir, "--classes", "dash,pipe,plus", "--backend", "go")
		if code != ExitOK || !strings.Contains(stdout, "plus") || strings.Contains(stdout, "cross") {
			t.Errorf("eval --classes: exit %d\n%s", code, stdout)
		}
		code, _, stderr := cliRun("eval", runDir, "--classes", "a,b", "--backend", "go")
		if code != ExitUsage || !strings.Contains(stderr, "2 names") || !strings.Contains(stderr, "3 classes") {
			t.Errorf("eval --classes a,b: exit %d, stderr %q", code, stderr)
		}
	})
}

// Without a classes.txt, classes are their numbers, and a --classes list
// given to train names them in the run.
func TestTrainClassesFlag(t *testing.T) {
	dataDir := shapesData(t)
	if err := os.Remove(filepath.Join(dataDir, "classes.txt")); err != nil {
		t.Fatal(err)
	}
	runDir := filepath.Join(t.TempDir(), "run")
	code, stdout, stderr := cliRun("train", "--model", "perceptron", "--epochs", "1", "--run-dir", runDir, "--classes", "h,v,x",
		"--data-dir", dataDir, "--backend", backend.Go, "--progress", "never")
	if code != ExitOK {
		t.Fatalf("train: exit %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, _ = cliRun("predict", runDir, "--test-index", "2", "--backend", "go")
	if code != ExitOK || !strings.Contains(strings.Join(strings.Fields(stdout), " "), "IMAGE TRUE CLASS MARGIN h v x") {
		t.Errorf("predict on a run trained with --classes: exit %d\n%s", code, stdout)
	}
	code, _, stderr = cliRun("train", "--epochs", "1", "--classes", "h,h", "--data-dir", dataDir, "--backend", "go")
	if code != ExitUsage || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "--classes") {
		t.Errorf("train --classes h,h: exit %d, stderr %q", code, stderr)
	}
	for _, tt := range []struct{ name, list, want string }{
		{"too few names are refused", "h,v", "2 names for 3 classes"},
		{"one name too many is refused", "h,v,x,y", "4 names for 3 classes"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			run := filepath.Join(t.TempDir(), "r")
			code, _, stderr := cliRun("train", "--epochs", "1", "--classes", tt.list, "--data-dir", dataDir, "--backend", "go", "--run-dir", run)
			if code != ExitUsage || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, tt.want) {
				t.Errorf("train --classes %s on 3 classes: exit %d, stderr %q; want %d saying %q", tt.list, code, stderr, ExitUsage, tt.want)
			}
			if _, err := os.Stat(run); err == nil {
				t.Errorf("%s was made by a refused command", run)
			}
		})
	}
}
