package viz

import (
	"errors"
	"fmt"
	"image"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/neurona/neurona/data"
	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train/checkpoint"
	"github.com/neurona/neurona/train/runfolder"
)

// A dataset other than MNIST: three named classes of 12x10-pixel images.
const otherRows, otherCols = 12, 10

var (
	animals = data.Classes{N: 3, Names: []string{"cat", "dog", "bird"}}
	// longName is the longest a class name may be: 64 bytes.
	longName    = strings.Repeat("a long name ", 5) + "end!"
	longClasses = data.Classes{N: 3, Names: []string{"cat", longName, "bird"}}
)

// otherEval is a set of n 12x10 images (labels cycling 0..2, class c a
// bar at column 2+3c) and an evaluation that gets every fourth wrong,
// predicting the next class, with a confidence that grows with the index.
func otherEval(n int) (*data.Set, *runfolder.Evaluation) {
	set := &data.Set{N: n, Rows: otherRows, Cols: otherCols}
	ev := &runfolder.Evaluation{Examples: n, Confusion: [][]int{make([]int, 3), make([]int, 3), make([]int, 3)}}
	for i := range n {
		label := i % 3
		px := make([]uint8, otherRows*otherCols)
		for y := 2; y < otherRows-2; y++ {
			px[y*otherCols+2+3*label] = 255
		}
		set.Images = append(set.Images, px...)
		set.Labels = append(set.Labels, uint8(label))
		pred := label
		if i%4 == 0 {
			pred = (label + 1) % 3
			ev.Wrong = append(ev.Wrong, i)
		}
		probs := make([]float32, 3)
		probs[pred] = 0.5 + 0.49*float32(i)/float32(n)
		probs[(pred+1)%3] = 1 - probs[pred]
		ev.Predicted = append(ev.Predicted, pred)
		ev.Probs = append(ev.Probs, probs)
		ev.Confusion[label][pred]++
	}
	return set, ev
}

func TestTileSize(t *testing.T) {
	tests := []struct {
		name         string
		rows, cols   int
		scale        int
		wantW, wantH int
	}{
		{"MNIST at scale 3", 28, 28, 3, 84, 84},
		{"MNIST at scale 10 is not shrunk", 28, 28, 10, 280, 280},
		{"12x10 images at scale 7", 12, 10, 7, 70, 84},
		{"exactly MaxTile", 32, 32, 10, 320, 320},
		{"one pixel over MaxTile shrinks, keeping the aspect", 321, 160, 1, 159, 320},
		{"a huge image fits MaxTile", 100000, 50000, 3, 160, 320},
		{"a line of pixels keeps at least one row", 1, 10000, 1, 320, 1},
		{"no pixels take no room", 0, 28, 3, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if w, h := TileSize(tt.rows, tt.cols, tt.scale); w != tt.wantW || h != tt.wantH {
				t.Errorf("TileSize(%d, %d, %d) = %d, %d; want %d, %d", tt.rows, tt.cols, tt.scale, w, h, tt.wantW, tt.wantH)
			}
		})
	}
}

func TestCaptionsNameClasses(t *testing.T) {
	set, ev := otherEval(60)
	tests := []struct {
		name    string
		classes data.Classes
		mistake string // the most confident mistake's caption
	}{
		{"named classes: true → predicted by name", animals, "bird → cat"},
		{"unnamed classes other than MNIST's: numbers", data.Classes{N: 3}, "2→0"},
		{"64-byte names are cut, each keeping a part", data.Classes{N: 3, Names: []string{"cat", "dog", longName}}, "a lon…end! → cat"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Mistakes at 0, 4, ..., 56; 56 (label 2, predicted 0) is the most confident.
			cells := Misclassified(set, ev, tt.classes, 100)
			if len(cells) != 15 || cells[0].Caption != tt.mistake {
				t.Fatalf("%d cells, the first %q; want 15, %q", len(cells), cells[0].Caption, tt.mistake)
			}
			if cells[0].Rows != otherRows || cells[0].Cols != otherCols {
				t.Errorf("cells of %dx%d, want the images' %dx%d", cells[0].Rows, cells[0].Cols, otherRows, otherCols)
			}
			for _, c := range cells {
				if utf8.RuneCountInString(c.Caption) > 2*captionNameRunes+3 {
					t.Errorf("caption %q is longer than two cut names", c.Caption)
				}
			}
			if got := Correct(set, ev, tt.classes, 5)[0].Caption; !keepsEnds(tt.classes.Name(1), got) {
				t.Errorf("first correct caption %q, want (a part of) %q", got, tt.classes.Name(1))
			}
			img := MisclassifiedImage(set, ev, tt.classes)
			// 15 mistakes in rows of 10: 2 rows; no column wider than a
			// cut caption.
			b := img.Bounds()
			size := captionSize(gridScale(set))
			if maxW := 10*(maxCaptionWidth(70, size)+10) + 10; b.Dx() > maxW || b.Dy() < 2*84 {
				t.Errorf("misclassified picture %v, want 2 rows of 84-pixel tiles at most %d wide", b.Size(), maxW)
			}
			CorrectImage(set, ev, tt.classes, 20) // draws without a panic
		})
	}
}

func TestMisclassifiedNote(t *testing.T) {
	tests := []struct {
		name    string
		classes data.Classes
		graded  bool
		want    string
	}{
		{"MNIST's digits", mnistClasses, true, "caption: true digit → predicted digit, the test index (for predict --test-index) and the model's confidence"},
		{"named classes", animals, true, "caption: true class → predicted class, the test index"},
		{"unnamed classes other than MNIST's, step outputs", data.Classes{N: 3}, false, "caption: true class → predicted class and the test index, for predict --test-index (the perceptron's"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := misclassifiedNote(tt.classes, tt.graded); !strings.HasPrefix(got, tt.want) {
				t.Errorf("note %q, want it to start %q", got, tt.want)
			}
		})
	}
}

func TestFitCaption(t *testing.T) {
	bold, regular := newFace(15, true), newFace(15, false)
	tests := []struct {
		name            string
		caption, detail string
		width           int
		wantCaption     string // "" to check the width only
		keepsDetail     bool
	}{
		{"a caption that fits is kept whole", "cat → dog", "0.98", 200, "cat → dog", true},
		{"a long name is cut, its confidence kept", longName, "0.98", 200, "", true},
		{"a cell too narrow for both keeps the caption's start and end", longName, "0.98", 40, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, d := fitCaption(bold, regular, tt.caption, tt.detail, tt.width)
			if w := captionWidth(bold, regular, c, d); w > tt.width {
				t.Errorf("%q %q is %d pixels wide, more than %d", c, d, w, tt.width)
			}
			if tt.wantCaption != "" && c != tt.wantCaption {
				t.Errorf("caption %q, want %q", c, tt.wantCaption)
			}
			if (d != "") != tt.keepsDetail {
				t.Errorf("detail %q, kept: want %v", d, tt.keepsDetail)
			}
			if c != tt.caption && !keepsEnds(tt.caption, c) {
				t.Errorf("cut caption %q is not the start and end of %q around …", c, tt.caption)
			}
		})
	}
}

func TestDigitGridShrinksLargeImages(t *testing.T) {
	big := &data.Set{N: 1, Rows: 2000, Cols: 1000, Images: make([]uint8, 2000*1000), Labels: []uint8{0}}
	for i := range big.Images {
		big.Images[i] = 255 // all ink: the shrunk tile is black too
	}
	cell := ImageCell(big, 0)
	cell.Caption = longName
	img := DigitGrid([]Cell{cell, cell}, 2, 3)
	b := img.Bounds()
	if b.Dx() > 2*(maxCaptionWidth(MaxTile/2, captionSize(3))+10)+10 || b.Dy() > MaxTile+60 {
		t.Errorf("two 2000x1000 images at scale 3 drawn %v, want tiles of at most %d pixels", b.Size(), MaxTile)
	}
	if n := darkPixels(img, b); n < 2*MaxTile*MaxTile/2 {
		t.Errorf("%d dark pixels, want two all-ink tiles of %dx%d", n, MaxTile, MaxTile/2)
	}
}

// named returns k classes, named when names, each name 64 bytes.
func named(k int, names bool) data.Classes {
	c := data.Classes{N: k}
	for i := range k {
		if names {
			c.Names = append(c.Names, fmt.Sprintf("%03d", i)+strings.Repeat("x", 61))
		}
	}
	return c
}

// diagonal is a k-class confusion matrix with n right per class and one
// mistake per row.
func diagonal(k, n int) [][]int {
	m := make([][]int, k)
	for i := range m {
		m[i] = make([]int, k)
		m[i][i] = n
		m[i][(i+1)%k]++
	}
	return m
}

func TestConfusionImageClasses(t *testing.T) {
	tests := []struct {
		name    string
		classes data.Classes
		n       int // right per class
		minSide int
	}{
		{"3 named classes", animals, 40, 3 * confusionCell},
		{"3 classes with a 64-byte name", longClasses, 40, 3 * confusionCell},
		{"2 classes by number", data.Classes{N: 2}, 5, 2 * confusionCell},
		{"256 classes by number", named(256, false), 30, 256 * 7},
		{"256 classes with 64-byte names", named(256, true), 30, 256 * 7},
		{"100 classes with counts in the thousands", named(100, false), 5000, 100 * 18},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img := ConfusionImage(diagonal(tt.classes.N, tt.n), tt.classes)
			b := img.Bounds()
			if b.Dx() < tt.minSide || b.Dy() < tt.minSide || b.Dx() > 8192 || b.Dy() > 8192 {
				t.Errorf("size %v, want at least %d and at most 8192 a side", b.Size(), tt.minSide)
			}
			if b.Dx() > maxConfusionGrid+400 || b.Dy() > maxConfusionGrid+400 {
				t.Errorf("size %v: the labels take more than 400 pixels", b.Size())
			}
			var blue int
			for y := b.Min.Y; y < b.Max.Y; y++ {
				for x := b.Min.X; x < b.Max.X; x++ {
					if r, _, bb := rgb(img.At(x, y)); bb > 150 && r < 80 {
						blue++
					}
				}
			}
			cell := min(confusionCell, maxConfusionGrid/tt.classes.N)
			// The counts are drawn over the blue: three quarters of it shows.
			if want := tt.classes.N * (cell - 2) * (cell - 2) * 3 / 4; blue < want {
				t.Errorf("%d blue pixels, want the %d diagonal cells' %d", blue, tt.classes.N, want)
			}
		})
	}
	t.Run("ragged and oversized matrices draw without a panic", func(t *testing.T) {
		for _, m := range [][][]int{{{1}, {0, 2, 3}, {}}, diagonal(maxConfusionClasses+5, 1), nil} {
			b := ConfusionImage(m, data.Classes{N: len(m)}).Bounds()
			if b.Dx() > 8192 || b.Dy() > 8192 {
				t.Errorf("%d classes drawn %v, more than 8192 a side", len(m), b.Size())
			}
		}
	})
}

func TestExplainOtherShapes(t *testing.T) {
	const pixels = otherRows * otherCols
	perc := make([]float32, 3*pixels)
	for i := range perc {
		perc[i] = float32(i/pixels + 1)
	}
	shape := runfolder.DataShape{Classes: animals, ImageRows: otherRows, ImageCols: otherCols}
	tests := []struct {
		name     string
		vars     []checkpoint.Variable
		spec     models.Spec
		shape    runfolder.DataShape
		err      error
		title    string
		captions []string
	}{
		{"a perceptron of three named classes: a map per class, captioned with its name",
			[]checkpoint.Variable{float32Var("/perceptron/dense/weights", []int{3, pixels}, perc)}, models.Spec{Name: models.Perceptron, Inputs: pixels, Classes: 3}, shape, nil,
			"each class's score", []string{"cat", "dog", "bird"}},
		{"an output layer of three unnamed classes",
			[]checkpoint.Variable{float32Var("/output/dense/weights", []int{pixels, 3}, perc)}, models.Spec{Name: models.MLP, Inputs: pixels, Classes: 3, Hidden: []int{}},
			runfolder.DataShape{Classes: data.Classes{N: 3}, ImageRows: otherRows, ImageCols: otherCols}, nil,
			"each class's score", []string{"class 0", "class 1", "class 2"}},
		{"an unknown image size",
			[]checkpoint.Variable{float32Var("/perceptron/dense/weights", []int{3, pixels}, perc)}, models.Spec{Name: models.Perceptron, Inputs: pixels, Classes: 3},
			runfolder.DataShape{Classes: animals}, ErrNoImageSize, "", nil},
		{"weights of another image size",
			[]checkpoint.Variable{float32Var("/perceptron/dense/weights", []int{3, pixels}, perc)}, models.Spec{Name: models.Perceptron, Inputs: pixels, Classes: 3},
			runfolder.DataShape{Classes: animals, ImageRows: 10, ImageCols: 10}, nil, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, err := Explain(tt.vars, tt.shape, tt.spec, 16)
			if tt.captions == nil && tt.err == nil {
				if err == nil || !strings.Contains(err.Error(), "10x10") {
					t.Errorf("error %v, want one naming the 10x10 pixels expected", err)
				}
				return
			}
			if !errors.Is(err, tt.err) {
				t.Fatalf("error %v, want %v", err, tt.err)
			}
			if err != nil {
				return
			}
			if !strings.Contains(w.Title, tt.title) || w.Rows != otherRows || w.Cols != otherCols {
				t.Errorf("title %q, %dx%d maps; want %q, %dx%d", w.Title, w.Rows, w.Cols, tt.title, otherRows, otherCols)
			}
			if strings.Join(w.Captions, ",") != strings.Join(tt.captions, ",") {
				t.Errorf("captions %q, want %q", w.Captions, tt.captions)
			}
			img := WeightImage(w, 8, 4)
			if b := img.Bounds(); b.Dx() < 3*otherCols*4 || b.Dy() < otherRows*4 {
				t.Errorf("weight picture %v, want three 40x48 maps", b.Size())
			}
		})
	}
	t.Run("a 64-byte name is cut to its map's column", func(t *testing.T) {
		w := &WeightMaps{Rows: otherRows, Cols: otherCols, Maps: [][]float32{make([]float32, pixels)}, Captions: []string{longName}}
		b := WeightImage(w, 1, 1).Bounds()
		if b.Dx() > max(360, maxCaptionWidth(otherCols, 12)+24) {
			t.Errorf("width %d: the caption was not cut", b.Dx())
		}
	})
	t.Run("a huge map is shrunk", func(t *testing.T) {
		w := &WeightMaps{Rows: 1000, Cols: 1000, Maps: [][]float32{make([]float32, 1000*1000)}, Captions: []string{"cat"}}
		if b := WeightImage(w, 1, 10).Bounds(); b.Dy() > MaxTile+200 {
			t.Errorf("height %d, want the map shrunk to %d", b.Dy(), MaxTile)
		}
	})
}

var _ image.Image // image is used by the helpers of viz_test.go

// keepsEnds reports whether cut is name, or its start and its end joined by
// "…" (truncate and shorten cut in the middle).
func keepsEnds(name, cut string) bool {
	if cut == name {
		return true
	}
	start, end, ok := strings.Cut(cut, "…")
	return ok && strings.HasPrefix(name, start) && strings.HasSuffix(name, end) && len(start)+len(end) < len(name)
}

func TestLongNamesSharingAPrefixStayApart(t *testing.T) {
	prefix := strings.Repeat("W", 40)
	names := []string{prefix + "-alpha", prefix + "-beta", prefix + "-gamma", "short"}
	bold := newFace(15, true)
	cuts := map[string]func(string) string{
		"truncate (grids, confusion matrices, weight maps)": func(s string) string { return truncate(bold, s, 120) },
		"shorten (mistake captions)":                        func(s string) string { return shorten(s, captionNameRunes) },
	}
	for what, cut := range cuts {
		t.Run(what+" keeps each name's end", func(t *testing.T) {
			seen := map[string]string{}
			for _, name := range names {
				got := cut(name)
				if !keepsEnds(name, got) {
					t.Errorf("%q cut to %q: not its start and end around …", name, got)
				}
				if other, dup := seen[got]; dup {
					t.Errorf("%q and %q are both drawn %q", other, name, got)
				}
				seen[got] = name
			}
		})
	}
}
