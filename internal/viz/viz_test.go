package viz

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/neurona/neurona/data"
	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train/checkpoint"
	"github.com/neurona/neurona/train/runfolder"
)

// side is the width and height of MNIST's images.
const side = 28

// mnistClasses are MNIST's: ten digits known by their numbers.
var mnistClasses = data.Classes{N: 10}

// mnistShape is the data shape of MNIST.
var mnistShape = runfolder.DataShape{Classes: mnistClasses, ImageRows: side, ImageCols: side}

// bar draws digit d as a vertical bar of ink at column 4+2d: different
// digits are different pictures, and a test can find the ink.
func bar(d int) []uint8 {
	px := make([]uint8, side*side)
	for y := 4; y < 24; y++ {
		px[y*side+4+2*d] = 255
		px[y*side+5+2*d] = 255
	}
	return px
}

// fakeEval is a set of n images (labels cycling 0..9) and an evaluation
// that gets every seventh image wrong, predicting the next digit, with a
// confidence that grows with the index (so the last mistake is the most
// confident).
func fakeEval(n int) (*data.Set, *runfolder.Evaluation) {
	set := &data.Set{N: n, Rows: side, Cols: side}
	ev := &runfolder.Evaluation{Examples: n, Confusion: make([][]int, 10)}
	for i := range ev.Confusion {
		ev.Confusion[i] = make([]int, 10)
	}
	for i := range n {
		label := i % 10
		set.Images = append(set.Images, bar(label)...)
		set.Labels = append(set.Labels, uint8(label))
		pred := label
		if i%7 == 0 {
			pred = (label + 1) % 10
			ev.Wrong = append(ev.Wrong, i)
		}
		probs := make([]float32, 10)
		probs[pred] = 0.5 + 0.49*float32(i)/float32(n)
		probs[(pred+5)%10] = 1 - probs[pred]
		ev.Predicted = append(ev.Predicted, pred)
		ev.Probs = append(ev.Probs, probs)
		ev.Confusion[label][pred]++
	}
	ev.Accuracy = 1 - float64(len(ev.Wrong))/float64(n)
	return set, ev
}

// decode checks that b is a PNG file and returns its picture.
func decode(t *testing.T, b []byte) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not a PNG file: %v", err)
	}
	return img
}

func readPNG(t *testing.T, path string) image.Image {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return decode(t, b)
}

func rgb(c color.Color) (r, g, b uint8) {
	r32, g32, b32, _ := c.RGBA()
	return uint8(r32 >> 8), uint8(g32 >> 8), uint8(b32 >> 8)
}

// darkPixels counts the pixels of img in r darker than 100 in every channel.
func darkPixels(img image.Image, r image.Rectangle) int {
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if cr, cg, cb := rgb(img.At(x, y)); cr < 100 && cg < 100 && cb < 100 {
				n++
			}
		}
	}
	return n
}

func TestDigitGrid(t *testing.T) {
	tests := []struct {
		name              string
		cells, cols       int
		scale             int
		wantCols, wantRow int
	}{
		{"64 digits in rows of 8 at scale 3", 64, 8, 3, 8, 8},
		{"a partial last row", 13, 5, 2, 5, 3},
		{"fewer cells than columns use one row as wide as the cells", 3, 10, 1, 3, 1},
		{"a scale below 1 is taken as 1", 4, 2, 0, 2, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var cells []Cell
			for i := range tt.cells {
				cells = append(cells, Cell{Pixels: bar(i % 10), Rows: side, Cols: side, Caption: "7→2", Detail: "0.98"})
			}
			img := DigitGrid(cells, tt.cols, tt.scale)
			scale := max(tt.scale, 1)
			b := img.Bounds()
			if b.Dx() < tt.wantCols*side*scale || b.Dx() > tt.wantCols*(side*scale+80)+20 {
				t.Errorf("width %d for %d columns of %d pixels", b.Dx(), tt.wantCols, side*scale)
			}
			if b.Dy() < tt.wantRow*side*scale || b.Dy() > tt.wantRow*(side*scale+60)+20 {
				t.Errorf("height %d for %d rows of %d pixels", b.Dy(), tt.wantRow, side*scale)
			}
			if darkPixels(img, b) < tt.cells*2*20*scale*scale {
				t.Errorf("fewer dark pixels than the %d digits' ink", tt.cells)
			}
		})
	}
	t.Run("no cells give a small picture that says so", func(t *testing.T) {
		img := DigitGrid(nil, 10, 3)
		b := img.Bounds()
		text := 0
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				if r, _, _ := rgb(img.At(x, y)); r < 200 {
					text++
				}
			}
		}
		if b.Empty() || text == 0 {
			t.Errorf("empty grid %v has no text", b)
		}
	})
	t.Run("a digit's ink is dark on white paper where MNIST has it", func(t *testing.T) {
		img := DigitGrid([]Cell{{Pixels: bar(0), Rows: side, Cols: side}}, 1, 2)
		// The grid's first tile starts 10 pixels in; bar(0) is ink at
		// columns 4 and 5, rows 4..23.
		if r, _, _ := rgb(img.At(10+4*2, 10+10*2)); r > 10 {
			t.Errorf("ink pixel drawn as %d, want black", r)
		}
		if r, _, _ := rgb(img.At(10+20*2, 10+10*2)); r < 245 {
			t.Errorf("background pixel drawn as %d, want white", r)
		}
	})
}

func TestConfusionImage(t *testing.T) {
	_, ev := fakeEval(200)
	img := decode(t, mustPNG(t, ConfusionImage(ev.Confusion, data.Classes{N: len(ev.Confusion)})))
	b := img.Bounds()
	if b.Dx() < 10*58 || b.Dy() < 10*58 || b.Dx() > 1000 || b.Dy() > 1000 {
		t.Fatalf("size %v, want a 10x10 grid of 58-pixel cells with labels", b.Size())
	}
	var blue, red int
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bb := rgb(img.At(x, y))
			switch {
			case bb > 150 && r < 80:
				blue++
			case r > 150 && g < 80 && bb < 80:
				red++
			}
		}
	}
	// Ten blue diagonal cells; the mistakes all have the same count, the
	// largest, so they are dark red.
	if blue < 10*40*40 || red < 10*40*40 {
		t.Errorf("%d blue and %d red pixels, want ten cells of each", blue, red)
	}
}

func mustPNG(t *testing.T, img image.Image) []byte {
	t.Helper()
	b, err := EncodePNG(img)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func ptr(x float64) *float64 { return &x }

func TestCurves(t *testing.T) {
	withVal := []runfolder.EpochMetrics{
		{Epoch: 1, TrainLoss: 0.5, TrainAccuracy: 0.85, ValLoss: ptr(0.3), ValAccuracy: ptr(0.91)},
		{Epoch: 2, TrainLoss: 0.3, TrainAccuracy: 0.91, ValLoss: ptr(0.28), ValAccuracy: ptr(0.92)},
	}
	var steps []runfolder.StepMetrics
	for i := 1; i <= 20; i++ {
		steps = append(steps, runfolder.StepMetrics{Kind: runfolder.StepKind, GlobalStep: i, Epochs: float64(i) / 10, TrainLoss: 1.2 / float64(i), LR: 0.01})
	}
	tests := []struct {
		name    string
		metrics runfolder.RunMetrics
		err     error
	}{
		{"train against validation", runfolder.RunMetrics{Epochs: withVal}, nil},
		{"train against validation with step lines", runfolder.RunMetrics{Epochs: withVal, Steps: steps}, nil},
		{"no validation set", runfolder.RunMetrics{Epochs: []runfolder.EpochMetrics{{Epoch: 1, TrainLoss: 1, TrainAccuracy: 0.5}}}, nil},
		{"one epoch", runfolder.RunMetrics{Epochs: withVal[:1]}, nil},
		{"one epoch with its step lines", runfolder.RunMetrics{Epochs: withVal[:1], Steps: steps[:10]}, nil},
		{"no epochs", runfolder.RunMetrics{}, ErrNoMetrics},
		{"step lines but no epochs", runfolder.RunMetrics{Steps: steps}, ErrNoMetrics},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img, err := Curves(tt.metrics)
			if !errors.Is(err, tt.err) {
				t.Fatalf("error %v, want %v", err, tt.err)
			}
			if err != nil {
				return
			}
			if got := decode(t, mustPNG(t, img)).Bounds().Size(); got != image.Pt(1400, 520) {
				t.Errorf("size %v, want 1400x520", got)
			}
		})
	}
	t.Run("the step lines are drawn", func(t *testing.T) {
		without, err := Curves(runfolder.RunMetrics{Epochs: withVal})
		if err != nil {
			t.Fatal(err)
		}
		with, err := Curves(runfolder.RunMetrics{Epochs: withVal, Steps: steps})
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Equal(mustPNG(t, without), mustPNG(t, with)) {
			t.Error("the curves with step lines are the curves without them")
		}
	})
}

func TestReadMetrics(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "metrics.jsonl")
	lines := `{"epoch":1,"global_step":422,"train_loss":0.5,"train_accuracy":0.86,"val_loss":0.3,"val_accuracy":0.91}
{"epoch":2,"global_step":844,"train_loss":0.29,"train_accuracy":0.92}
`
	if err := os.WriteFile(good, []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	m, damaged, err := runfolder.ReadMetrics(good)
	if err != nil || len(damaged) > 0 {
		t.Fatal(err)
	}
	if len(m) != 2 || m[1].Epoch != 2 || m[0].ValAccuracy == nil || *m[0].ValAccuracy != 0.91 || m[1].ValAccuracy != nil {
		t.Errorf("read %+v", m)
	}
	bad := filepath.Join(dir, "bad.jsonl")
	if err := os.WriteFile(bad, []byte(lines+"{\"epoch\": 3,\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	m, damaged, err = runfolder.ReadMetrics(bad)
	if err != nil || len(m) != 2 || len(damaged) != 1 || !strings.Contains(damaged[0], "bad.jsonl:3") {
		t.Errorf("a broken third line gives %d epochs, %q, %v; want the two good ones and a warning naming bad.jsonl:3", len(m), damaged, err)
	}
}

func TestMisclassified(t *testing.T) {
	set, ev := fakeEval(100)
	t.Run("most confident first, captioned true→predicted, test index and confidence", func(t *testing.T) {
		cells := Misclassified(set, ev, mnistClasses, 5)
		if len(cells) != 5 {
			t.Fatalf("%d cells, want 5", len(cells))
		}
		// Mistakes are at 0, 7, ..., 98; the confidence grows with the
		// index, so 98 (label 8, predicted 9) comes first.
		if got := cells[0].Caption + " " + cells[0].Detail; got != "8→9 #98 0.98" {
			t.Errorf("first caption %q, want 8→9 #98 0.98", got)
		}
		if got := cells[1].Caption + " " + cells[1].Detail; got != "1→2 #91 0.95" {
			t.Errorf("second caption %q, want 1→2 #91 0.95 (example 91)", got)
		}
	})
	t.Run("step outputs (the perceptron) give no confidence, the index only, and keep the set's order", func(t *testing.T) {
		step := *ev
		step.Probs = nil
		for _, p := range ev.Predicted {
			row := make([]float32, 10)
			row[p] = 1
			step.Probs = append(step.Probs, row)
		}
		cells := Misclassified(set, &step, mnistClasses, 2)
		if cells[0].Caption != "0→1" || cells[1].Caption != "7→8" || cells[0].Detail != "#0" || cells[1].Detail != "#7" {
			t.Errorf("captions %q %q, %q %q; want 0→1 #0 and 7→8 #7", cells[0].Caption, cells[0].Detail, cells[1].Caption, cells[1].Detail)
		}
	})
	t.Run("correct samples are spread over the set", func(t *testing.T) {
		cells := Correct(set, ev, mnistClasses, 10)
		if len(cells) != 10 {
			t.Fatalf("%d cells, want 10", len(cells))
		}
		if cells[0].Caption != "1" || cells[0].Detail == "" || cells[0].Color != correctFg {
			t.Errorf("first correct caption %q, want example 1 (digit 1) in green", cells[0].Caption)
		}
	})
}

func TestRunPictures(t *testing.T) {
	set, ev := fakeEval(300)
	t.Run("a run folder with metrics gets the three pictures", func(t *testing.T) {
		dir := t.TempDir()
		metrics := `{"epoch":1,"train_loss":0.5,"train_accuracy":0.8,"val_loss":0.4,"val_accuracy":0.85}` + "\n"
		if err := os.WriteFile(filepath.Join(dir, "metrics.jsonl"), []byte(metrics), 0o644); err != nil {
			t.Fatal(err)
		}
		paths, warnings, err := RunPictures(dir, set, ev, mnistClasses)
		if err != nil || len(warnings) > 0 {
			t.Fatal(err, warnings)
		}
		want := []string{MisclassifiedFile, ConfusionFile, CurvesFile}
		if len(paths) != len(want) {
			t.Fatalf("wrote %v, want %v", paths, want)
		}
		for i, name := range want {
			if paths[i] != filepath.Join(dir, name) {
				t.Errorf("path %d is %s, want %s", i, paths[i], name)
			}
			img := readPNG(t, paths[i])
			if b := img.Bounds(); b.Dx() < 500 || b.Dy() < 300 {
				t.Errorf("%s is only %v", name, b.Size())
			}
		}
		// 43 mistakes at 10 a row: 5 rows of 84-pixel digits.
		if b := readPNG(t, paths[0]).Bounds(); b.Dx() < 10*84 || b.Dy() < 5*84 {
			t.Errorf("misclassified.png is %v, want 10 columns and 5 rows of 84-pixel digits", b.Size())
		}
		entries, _ := os.ReadDir(dir)
		if len(entries) != 4 {
			t.Errorf("run folder holds %d files, want metrics.jsonl and 3 pictures (temporary files left?)", len(entries))
		}
	})
	t.Run("without metrics.jsonl there are no curves", func(t *testing.T) {
		paths, _, err := RunPictures(t.TempDir(), set, ev, mnistClasses)
		if err != nil || len(paths) != 2 {
			t.Errorf("wrote %v (%v), want misclassified.png and confusion.png", paths, err)
		}
	})
	t.Run("damaged metrics lines are skipped with a warning, the curves still drawn", func(t *testing.T) {
		dir := t.TempDir()
		metrics := `{"epoch":1,"train_loss":0.5,"train_accuracy":0.8}` + "\n" + `{"epoch":2,"train_loss":0.4,"train_accuracy":0.9}` + "\n" + `{"epoch":3,"tra`
		if err := os.WriteFile(filepath.Join(dir, "metrics.jsonl"), []byte(metrics), 0o644); err != nil {
			t.Fatal(err)
		}
		paths, warnings, err := RunPictures(dir, set, ev, mnistClasses)
		if err != nil || len(paths) != 3 || len(warnings) != 1 || !strings.Contains(warnings[0], "metrics.jsonl:3") {
			t.Errorf("wrote %v, warnings %q, error %v; want the three pictures and a warning naming metrics.jsonl:3", paths, warnings, err)
		}
	})
	t.Run("an evaluation of another set is an error", func(t *testing.T) {
		small, _ := fakeEval(10)
		if _, _, err := RunPictures(t.TempDir(), small, ev, mnistClasses); err == nil {
			t.Error("no error")
		}
	})
	t.Run("a missing folder is an error naming the file", func(t *testing.T) {
		_, _, err := RunPictures(filepath.Join(t.TempDir(), "missing"), set, ev, mnistClasses)
		if err == nil || !strings.Contains(err.Error(), MisclassifiedFile) {
			t.Errorf("error %v, want one naming %s", err, MisclassifiedFile)
		}
	})
}

// float32Var is a checkpoint variable holding values in shape.
func float32Var(path string, shape []int, values []float32) checkpoint.Variable {
	v := checkpoint.Variable{Path: path, DType: "Float32", Shape: shape}
	for _, x := range values {
		v.Data = binary.LittleEndian.AppendUint32(v.Data, math.Float32bits(x))
	}
	return v
}

func TestExplain(t *testing.T) {
	const pixels = side * side
	// Where the models keep their first layer's weights, as every
	// checkpoint written holds them.
	const (
		percWeights   = "/perceptron/dense/weights"
		hiddenWeights = "/hidden_0/dense/weights"
		outputWeights = "/output/dense/weights"
	)
	// The perceptron's [10, 784]: digit d's row is d+1 everywhere.
	perc := make([]float32, 10*pixels)
	for i := range perc {
		perc[i] = float32(i/pixels + 1)
	}
	// An MLP's [784, 5], input-major: unit j's column is j at pixel 0 and
	// 0 elsewhere, except unit 3 which is -9 at pixel 1.
	mlp := make([]float32, pixels*5)
	for j := range 5 {
		mlp[j] = float32(j)
	}
	mlp[1*5+3] = -9
	// The same MLP layer [5, 784], one row per unit.
	mlpRows := make([]float32, pixels*5)
	for j := range 5 {
		for p := range pixels {
			mlpRows[j*pixels+p] = mlp[p*5+j]
		}
	}
	tests := []struct {
		name       string
		vars       []checkpoint.Variable
		spec       models.Spec
		units      int
		err        error
		title      string
		captions   []string
		firstPixel []float32 // each map's pixel 0
	}{
		{"the perceptron's ten digit detectors",
			[]checkpoint.Variable{float32Var(percWeights, []int{10, pixels}, perc)}, models.Spec{Name: models.Perceptron, Inputs: pixels, Classes: 10}, 16, nil,
			"perceptron 784-10", []string{"digit 0", "digit 1"}, []float32{1, 2, 3}},
		{"the averaged perceptron's detectors are its averaged weights",
			[]checkpoint.Variable{float32Var(percWeights, []int{10, pixels}, make([]float32, 10*pixels)),
				float32Var("/"+models.AveragedScope+percWeights, []int{10, pixels}, perc)}, models.Spec{Name: models.Perceptron, Inputs: pixels, Classes: 10}, 16, nil,
			"perceptron 784-10", []string{"digit 0", "digit 1"}, []float32{1, 2, 3}},
		{"an MLP's strongest first-layer units, by L2 norm",
			[]checkpoint.Variable{float32Var(hiddenWeights, []int{pixels, 5}, mlp)}, models.Spec{Name: models.MLP, Inputs: pixels, Classes: 10, Hidden: []int{5}}, 3, nil,
			"3 of its 5 units", []string{"unit 3: 9.49", "unit 4: 4.00", "unit 2: 2.00"}, []float32{3, 4, 2}},
		{"an MLP's strongest first-layer units, its weights one row per unit",
			[]checkpoint.Variable{float32Var(hiddenWeights, []int{5, pixels}, mlpRows)}, models.Spec{Name: models.MLP, Inputs: pixels, Classes: 10, Hidden: []int{5}, Layout: models.LayoutOutputsInputs}, 3, nil,
			"3 of its 5 units", []string{"unit 3: 9.49", "unit 4: 4.00", "unit 2: 2.00"}, []float32{3, 4, 2}},
		{"an MLP without hidden layers: its output weights per digit",
			[]checkpoint.Variable{float32Var(outputWeights, []int{pixels, 5}, mlp)}, models.Spec{Name: models.MLP, Inputs: pixels, Classes: 5, Hidden: []int{}}, 16, nil,
			"mlp 784-5", []string{"digit 0"}, []float32{0, 1, 2}},
		{"an MLP without hidden layers, one row per class",
			[]checkpoint.Variable{float32Var(outputWeights, []int{5, pixels}, mlpRows)}, models.Spec{Name: models.MLP, Inputs: pixels, Classes: 5, Hidden: []int{}, Layout: models.LayoutOutputsInputs}, 16, nil,
			"mlp 784-5", []string{"digit 0"}, []float32{0, 1, 2}},
		{"no layer on the pixels",
			[]checkpoint.Variable{float32Var("/hidden_1/dense/weights", []int{32, 32}, make([]float32, 32*32))}, models.Spec{Name: models.MLP, Inputs: pixels, Classes: 10, Hidden: []int{5}}, 16, ErrNoPixelWeights, "", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, err := Explain(tt.vars, mnistShape, tt.spec, tt.units)
			if !errors.Is(err, tt.err) {
				t.Fatalf("error %v, want %v", err, tt.err)
			}
			if err != nil {
				return
			}
			if !strings.Contains(w.Title, tt.title) {
				t.Errorf("title %q does not say %q", w.Title, tt.title)
			}
			for i, c := range tt.captions {
				if w.Captions[i] != c {
					t.Errorf("caption %d is %q, want %q", i, w.Captions[i], c)
				}
			}
			for i, x := range tt.firstPixel {
				if w.Maps[i][0] != x {
					t.Errorf("map %d starts with %g, want %g", i, w.Maps[i][0], x)
				}
			}
		})
	}
	t.Run("malformed variables are errors, not panics", func(t *testing.T) {
		for _, v := range []checkpoint.Variable{
			float32Var(percWeights, []int{10, 100}, make([]float32, 1000)),
			float32Var(percWeights, []int{10, pixels}, make([]float32, 10)),
			{Path: percWeights, DType: "Int32", Shape: []int{10, pixels}, Data: make([]byte, 4*10*pixels)},
		} {
			if _, err := Explain([]checkpoint.Variable{v}, mnistShape, models.Spec{Name: models.Perceptron, Inputs: pixels, Classes: 10}, 16); err == nil {
				t.Errorf("%s %s %v with %d bytes: no error", v.Path, v.DType, v.Shape, len(v.Data))
			}
		}
	})
}

func TestWeightImage(t *testing.T) {
	m := make([]float32, side*side)
	for i := range m {
		switch {
		case i%side < 14:
			m[i] = -1
		default:
			m[i] = 1
		}
	}
	img := decode(t, mustPNG(t, WeightImage(&WeightMaps{Title: "t", Rows: side, Cols: side, Maps: [][]float32{m}, Captions: []string{"digit 0"}}, 5, 4)))
	// Find the map: the title takes the top; the map is the first row of
	// pixels with both strong red and strong blue.
	b := img.Bounds()
	var red, blue bool
	for y := b.Min.Y; y < b.Max.Y && !(red && blue); y++ {
		red, blue = false, false
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bb := rgb(img.At(x, y))
			red = red || (r > 150 && g < 60 && bb < 70)
			blue = blue || (bb > 150 && r < 60)
		}
	}
	if !red || !blue {
		t.Error("no row with the negative half red and the positive half blue")
	}
}

func TestDiverging(t *testing.T) {
	tests := []struct {
		f       float64
		r, g, b uint8
	}{
		{-1, 178, 24, 43}, {-5, 178, 24, 43}, {0, 247, 247, 247}, {1, 33, 102, 172}, {math.NaN(), 128, 128, 128},
	}
	for _, tt := range tests {
		if c := diverging(tt.f); c.R != tt.r || c.G != tt.g || c.B != tt.b {
			t.Errorf("diverging(%g) = %v, want %d,%d,%d", tt.f, c, tt.r, tt.g, tt.b)
		}
	}
}

func TestWritePNG(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.png")
	img := image.NewRGBA(image.Rect(0, 0, 3, 2))
	for range 2 { // the second write replaces the first
		if err := WritePNG(path, img); err != nil {
			t.Fatal(err)
		}
	}
	if got := readPNG(t, path).Bounds().Size(); got != image.Pt(3, 2) {
		t.Errorf("size %v, want 3x2", got)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("%d files in the folder, want 1 (temporary files left?)", len(entries))
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v (%v), want 0644", fi.Mode(), err)
	}
	if err := WritePNG(filepath.Join(dir, "missing", "x.png"), img); err == nil || !strings.Contains(err.Error(), "x.png") {
		t.Errorf("writing into a missing folder gives %v, want an error naming the file", err)
	}
}
