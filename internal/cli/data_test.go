package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/neurona/neurona/data"
)

// fakeDataset writes a dataset in MNIST's format other than MNIST: 200
// training and 50 test images of rows x cols pixels, the labels cycling
// through classes classes (class c a vertical bar at column c mod cols),
// and a classes.txt of names unless names is nil.
func fakeDataset(t *testing.T, rows, cols, classes int, names []string) string {
	t.Helper()
	dir := t.TempDir()
	for _, split := range []struct {
		prefix string
		n      int
	}{{"train", 200}, {"t10k", 50}} {
		var images, labels []uint8
		for i := range split.n {
			c := i % classes
			px := make([]uint8, rows*cols)
			for y := range rows {
				px[y*cols+c%cols] = 255
			}
			images = append(images, px...)
			labels = append(labels, uint8(c))
		}
		writeIDX(t, filepath.Join(dir, split.prefix+"-images-idx3-ubyte"), []uint32{uint32(split.n), uint32(rows), uint32(cols)}, images)
		writeIDX(t, filepath.Join(dir, split.prefix+"-labels-idx1-ubyte"), []uint32{uint32(split.n)}, labels)
	}
	if names != nil {
		if err := os.WriteFile(filepath.Join(dir, data.ClassesFile), []byte(strings.Join(names, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// animalNames name the three classes of the datasets other than MNIST.
var animalNames = []string{"cat", "dog", "bird"}

func TestDataInfoClasses(t *testing.T) {
	long := strings.Repeat("x", 64)
	tests := []struct {
		name string
		dir  string
		want []string
	}{
		{"named classes are counted by name", fakeDataset(t, 12, 10, 3, animalNames), []string{
			"train   200 images of 12x10, per class: cat 67, dog 67, bird 66",
			"test    50 images of 12x10, per class: cat 17, dog 17, bird 16",
		}},
		{"unnamed classes other than MNIST's are counted per class", fakeDataset(t, 5, 7, 4, nil), []string{
			"train   200 images of 5x7, per class [50 50 50 50]",
		}},
		{"MNIST's digits are counted per digit, as before", fakeMNIST(t), []string{
			"train   200 images of 28x28, per digit [20 20 20 20 20 20 20 20 20 20]",
		}},
		{"a 64-byte name is printed whole", fakeDataset(t, 3, 3, 2, []string{"a", long}), []string{
			"per class: a 100, " + long + " 100",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := cliRun("data", "info", "--data-dir", tt.dir)
			if code != ExitOK || stderr != "" {
				t.Fatalf("exit code %d, stderr %q", code, stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(stdout, w) {
					t.Errorf("data info does not say %q:\n%s", w, stdout)
				}
			}
		})
	}
}
