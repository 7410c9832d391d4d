package data

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/neurona/neurona/internal/safefile"
)

// Errors returned by the readers in this package. Compare with errors.Is: the
// returned errors wrap these with the file name and the offending values.
var (
	// ErrBadMagic: the input is not an IDX file (or the gzip of one).
	ErrBadMagic = errors.New("data: bad IDX magic number")
	// ErrUnsupportedType: a valid IDX file whose elements are not unsigned bytes.
	ErrUnsupportedType = errors.New("data: unsupported IDX element type")
	// ErrSizeMismatch: the file holds more data than its dimensions declare, or
	// the dimensions declare more than this package will ever allocate.
	ErrSizeMismatch = errors.New("data: IDX dimensions disagree with file length")
	// ErrTruncated: the file ends early. Such errors also wrap io.ErrUnexpectedEOF.
	ErrTruncated = errors.New("data: IDX file is truncated")
	// ErrBadLabel: a label is not one of the classes the folder's
	// classes.txt names.
	ErrBadLabel = errors.New("data: label without a class name")
	// ErrCountMismatch: an image file and its label file disagree on the count.
	ErrCountMismatch = errors.New("data: image and label counts differ")
	// ErrAmbiguous: a folder holds two spellings of one MNIST file (e.g.
	// NAME.gz and NAME) whose data differ, or one of which is bad.
	ErrAmbiguous = errors.New("data: two copies of one file")
	// ErrNotGzip: a file whose name ends in ".gz" does not start with the
	// gzip magic 1f 8b.
	ErrNotGzip = errors.New("data: file named .gz is not gzip")
	// ErrNotRegular: a data file's path names a directory, named pipe,
	// device or socket. It does not wrap fs.ErrNotExist: something is there.
	// It is safefile.ErrNotRegular, which every reader of neurona shares,
	// so that one errors.Is tells a path of the wrong kind wherever it is.
	ErrNotRegular = safefile.ErrNotRegular
	// ErrBadShape: the IDX rank is outside 1..4, or is not the one expected
	// (images rank 3, labels rank 1), or an image has no pixels.
	ErrBadShape = errors.New("data: unexpected IDX shape")
)

// IDX is one decoded IDX file of unsigned bytes.
type IDX struct {
	Dims []int  // size of each dimension, outermost first, e.g. [60000 28 28]
	Data []byte // product(Dims) bytes in row-major order
}

const (
	// typeUint8 is the only IDX element type this package decodes.
	typeUint8 = 0x08
	// maxRank bounds the number of dimensions; MNIST needs at most 3.
	maxRank = 4
	// maxIDXBytes caps the declared data size. It is far above MNIST (47 MB)
	// and EMNIST (550 MB) and keeps a hostile header from asking for more.
	maxIDXBytes = 1 << 30
	// firstChunk is the initial buffer when the data length is not known in
	// advance (gzip input): the buffer then grows with the data actually read,
	// so a short file with a large header cannot make us allocate much.
	firstChunk = 1 << 16
	// growthFactor is how much the buffer for data of unknown length
	// grows each time it is full (see readData).
	growthFactor = 4
	// maxGzipRatio is deflate's largest possible expansion: a 258-byte
	// match coded in 2 bits. No gzip file of S bytes holds more than
	// maxGzipRatio*S bytes, so a header that declares more is refused
	// before anything is read.
	maxGzipRatio = 1032
)

// validTypes are the element types the IDX format defines. Any other type
// byte means the input is not IDX at all (ErrBadMagic), while these, apart
// from typeUint8, are well formed but unsupported (ErrUnsupportedType).
var validTypes = map[byte]string{
	0x08: "unsigned byte",
	0x09: "signed byte",
	0x0B: "int16",
	0x0C: "int32",
	0x0D: "float32",
	0x0E: "float64",
}

// ReadIDX reads one IDX file of unsigned bytes from r. A stream that starts
// with the gzip magic (0x1f 0x8b) is decompressed first.
//
// The header is checked before any large allocation, and the data must be
// exactly as long as the dimensions declare: an early end gives an error
// wrapping both ErrTruncated and io.ErrUnexpectedEOF, extra bytes give
// ErrSizeMismatch. ReadIDX does not panic on any input.
func ReadIDX(r io.Reader) (*IDX, error) {
	if r == nil {
		return nil, errors.New("data: ReadIDX: nil reader")
	}
	return readIDX(r, -1)
}

// ReadIDXFile opens path and reads it with ReadIDX. Every error names the
// file. Only a regular file (or a symbolic link to one) is opened: a
// directory, named pipe, device or socket gives an error wrapping
// ErrNotRegular without blocking, and a missing file one wrapping
// fs.ErrNotExist. A file whose name ends in ".gz" must start with the gzip
// magic (else ErrNotGzip). The file's real size bounds what is allocated: a
// raw file must be exactly as long as its header declares, and a gzip file
// cannot declare more than maxGzipRatio times its size.
func ReadIDXFile(path string) (*IDX, error) {
	s, err := openIDXFile(path)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	return s.read()
}

// idxFile is an IDX file whose header has been read and checked: Dims are
// known and the reader is at the first data byte. Close releases the file.
type idxFile struct {
	path string
	f    *os.File
	s    *idxStream
}

// openIDXFile opens path (see ReadIDXFile) and reads its header. Reading the
// headers first lets a caller compare the counts of an image file and its
// label file before either's data is read.
func openIDXFile(path string) (*idxFile, error) {
	f, st, err := openRegular(path)
	if err != nil {
		return nil, err // names the file
	}
	br := bufio.NewReaderSize(f, 1<<16)
	if strings.HasSuffix(path, ".gz") {
		magic, _ := br.Peek(2)
		if !bytes.Equal(magic, gzipMagic) {
			f.Close() // read-only: a close error cannot lose data
			return nil, fmt.Errorf("%s: %w: starts with % x, want 1f 8b", path, ErrNotGzip, magic)
		}
	}
	s, err := readHeader(br, st.Size())
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &idxFile{path: path, f: f, s: s}, nil
}

// dims returns the file's dimensions, outermost first.
func (x *idxFile) dims() []int { return x.s.dims }

// read reads the data and returns the whole file; errors name the file.
func (x *idxFile) read() (*IDX, error) {
	m, err := x.s.read()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", x.path, err)
	}
	return m, nil
}

// Close closes the file.
func (x *idxFile) Close() error { return x.f.Close() }

// gzipMagic are the two bytes every gzip stream starts with.
var gzipMagic = []byte{0x1f, 0x8b}

// idxStream is an IDX stream whose header has been read: its dimensions,
// the data length they declare and the reader positioned at the data.
type idxStream struct {
	dims  []int
	total int       // product of dims: the number of data bytes
	in    io.Reader // the data, decompressed if the stream is gzip
	exact bool      // the data length is known to be total (a raw regular file)
}

// read reads the data the header declares and checks the stream ends there.
func (s *idxStream) read() (*IDX, error) {
	data, err := readData(s.in, s.total, s.exact)
	if err != nil {
		return nil, err
	}
	return &IDX{Dims: s.dims, Data: data}, nil
}

// readIDX is ReadIDX with the stream length when it is known (a regular
// file), else -1. A known length lets a raw file be checked against its
// header before the data buffer is allocated, and sized exactly, and caps
// what a gzip file may declare at maxGzipRatio times its length.
func readIDX(r io.Reader, size int64) (*IDX, error) {
	s, err := readHeader(bufio.NewReaderSize(r, 1<<16), size)
	if err != nil {
		return nil, err
	}
	return s.read()
}

// readHeader reads and checks an IDX header from br (size as for readIDX).
// Nothing larger than the header is allocated.
func readHeader(br *bufio.Reader, size int64) (*idxStream, error) {
	in := io.Reader(br)
	gz := false
	if magic, _ := br.Peek(2); bytes.Equal(magic, gzipMagic) {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, readError("gzip header", err)
		}
		in, gz = zr, true
	}

	var hdr [4]byte
	n, err := io.ReadFull(in, hdr[:])
	// Judge the bytes we have before reporting a short header, so that a
	// two-byte non-IDX file is called what it is.
	if n >= 1 && hdr[0] != 0 || n >= 2 && hdr[1] != 0 {
		return nil, fmt.Errorf("%w: starts with % x, want 00 00", ErrBadMagic, hdr[:min(n, 2)])
	}
	if n >= 3 {
		name, ok := validTypes[hdr[2]]
		if !ok {
			return nil, fmt.Errorf("%w: unknown element type 0x%02x", ErrBadMagic, hdr[2])
		}
		if hdr[2] != typeUint8 {
			return nil, fmt.Errorf("%w: 0x%02x (%s), only 0x08 (unsigned byte) is supported",
				ErrUnsupportedType, hdr[2], name)
		}
	}
	if err != nil {
		return nil, readError("header", err)
	}
	rank := int(hdr[3])
	if rank < 1 || rank > maxRank {
		return nil, fmt.Errorf("%w: rank %d outside 1..%d", ErrBadShape, rank, maxRank)
	}

	var raw [4 * maxRank]byte
	if _, err := io.ReadFull(in, raw[:4*rank]); err != nil {
		return nil, readError("dimensions", err)
	}
	dims := make([]uint32, rank)
	for i := range dims {
		dims[i] = binary.BigEndian.Uint32(raw[4*i:])
	}
	total, err := dataSize(dims)
	if err != nil {
		return nil, err
	}
	s := &idxStream{dims: make([]int, rank), total: total, in: in}
	for i, d := range dims {
		s.dims[i] = int(d) // fits: dataSize checked each d <= maxIDXBytes
	}
	if size < 0 {
		return s, nil
	}
	hdrLen := int64(len(hdr) + 4*rank)
	if gz {
		// Deflate cannot expand one byte into more than maxGzipRatio, so a
		// file that declares more is lying, whatever its data turn out to be.
		if limit := maxGzipRatio * size; hdrLen+int64(total) > limit {
			return nil, fmt.Errorf("%w: dimensions %v declare %d bytes, more than the %d a %d-byte gzip file can hold",
				ErrSizeMismatch, s.dims, hdrLen+int64(total), limit, size)
		}
		return s, nil
	}
	switch have := size - hdrLen; {
	case have < int64(total):
		return nil, fmt.Errorf("%w: dimensions %v need %d data bytes, file has %d: %w",
			ErrTruncated, s.dims, total, have, io.ErrUnexpectedEOF)
	case have > int64(total):
		return nil, fmt.Errorf("%w: dimensions %v need %d data bytes, file has %d",
			ErrSizeMismatch, s.dims, total, have)
	}
	s.exact = true
	return s, nil
}

// dataSize returns the product of dims, or ErrSizeMismatch when a dimension
// or the product exceeds maxIDXBytes. Every partial product stays at or below
// maxIDXBytes before the next multiplication, so uint64 cannot overflow.
func dataSize(dims []uint32) (int, error) {
	total := uint64(1)
	for _, d := range dims {
		if d > maxIDXBytes {
			return 0, fmt.Errorf("%w: dimension %d is above the limit of %d (at most %d data bytes per file)",
				ErrSizeMismatch, d, maxIDXBytes, maxIDXBytes)
		}
		if d == 0 {
			return 0, nil
		}
	}
	for _, d := range dims {
		total *= uint64(d)
		if total > maxIDXBytes {
			return 0, fmt.Errorf("%w: dimensions %v declare more than the limit of %d data bytes per file",
				ErrSizeMismatch, dims, maxIDXBytes)
		}
	}
	return int(total), nil
}

// readData reads exactly n bytes and then checks that the stream ends there.
// With exact set the length is already known to be right and the buffer is
// allocated in one piece; otherwise it grows with the bytes actually read,
// by growthFactor each time it is full, so that what is allocated is never
// more than growthFactor times the data read (plus firstChunk), and the
// peak while copying into the last buffer stays near 1.25 n, not 1.5 n.
func readData(r io.Reader, n int, exact bool) ([]byte, error) {
	first := n
	if !exact {
		first = min(n, firstChunk) // not n: the data may never come
	}
	buf := make([]byte, 0, first)
	for len(buf) < n {
		if len(buf) == cap(buf) {
			grown := make([]byte, len(buf), min(growthFactor*cap(buf), n))
			copy(grown, buf)
			buf = grown
		}
		k, err := io.ReadFull(r, buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+k]
		if err != nil {
			return nil, readError(fmt.Sprintf("data after %d of %d bytes", len(buf), n), err)
		}
	}
	// Reading past the end also makes gzip verify its checksum and length.
	var extra [1]byte
	switch k, err := io.ReadFull(r, extra[:]); {
	case k > 0:
		return nil, fmt.Errorf("%w: data continues after the %d bytes the dimensions declare", ErrSizeMismatch, n)
	case err != io.EOF:
		return nil, readError("end of data", err)
	}
	return buf, nil
}

// readError classifies an error met while reading part of an IDX stream: an
// early end becomes ErrTruncated (and io.ErrUnexpectedEOF), anything else
// (an I/O or gzip error) is wrapped with the part being read.
func readError(part string, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w: %s: %w", ErrTruncated, part, io.ErrUnexpectedEOF)
	}
	return fmt.Errorf("data: reading IDX %s: %w", part, err)
}
