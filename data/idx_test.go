package data

//go:generate go run testdata/gen.go

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
)

// miniPixels are the pixels of testdata/idx/images.idx (3 images of 2x2),
// as testdata/gen.go writes them.
var miniPixels = []byte{0, 21, 42, 63, 84, 105, 126, 147, 168, 189, 210, 231}

// readTestdata returns the bytes of testdata/idx/name.
func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "idx", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// encodeIDX is the inverse of ReadIDX for raw (not gzipped) files.
func encodeIDX(m *IDX) []byte {
	out := []byte{0, 0, typeUint8, byte(len(m.Dims))}
	for _, d := range m.Dims {
		out = binary.BigEndian.AppendUint32(out, uint32(d))
	}
	return append(out, m.Data...)
}

func isGzip(b []byte) bool { return len(b) >= 2 && b[0] == 0x1f && b[1] == 0x8b }

func TestReadIDX(t *testing.T) {
	tests := []struct {
		name     string
		file     string // under testdata/idx
		wantDims []int
		wantData []byte
		wantErrs []error // the error must wrap each of these
	}{
		{"a raw image file reads", "images.idx", []int{3, 2, 2}, miniPixels, nil},
		{"a gzipped image file reads", "images.idx.gz", []int{3, 2, 2}, miniPixels, nil},
		{"a raw label file reads", "labels.idx", []int{3}, []byte{0, 5, 9}, nil},
		{"a gzipped label file reads", "labels.idx.gz", []int{3}, []byte{0, 5, 9}, nil},
		{"a file with a zero dimension reads as empty", "labels-empty.idx", []int{0}, []byte{}, nil},
		{"an empty file is truncated", "empty.idx", nil, nil, []error{ErrTruncated, io.ErrUnexpectedEOF}},
		{"a nonzero first byte is a bad magic", "bad-magic.idx", nil, nil, []error{ErrBadMagic}},
		{"a zip file is a bad magic", "zip.idx", nil, nil, []error{ErrBadMagic}},
		{"an element type IDX does not define is a bad magic", "bad-type.idx", nil, nil, []error{ErrBadMagic}},
		{"float32 elements are unsupported", "float32.idx", nil, nil, []error{ErrUnsupportedType}},
		{"rank 0 is a bad shape", "rank0.idx", nil, nil, []error{ErrBadShape}},
		{"rank 5 is a bad shape", "rank5.idx", nil, nil, []error{ErrBadShape}},
		{"a header cut inside the dimensions is truncated", "short-header.idx", nil, nil, []error{ErrTruncated, io.ErrUnexpectedEOF}},
		{"data shorter than the dimensions is truncated", "short-data.idx", nil, nil, []error{ErrTruncated, io.ErrUnexpectedEOF}},
		{"data longer than the dimensions is a size mismatch", "trailing.idx", nil, nil, []error{ErrSizeMismatch}},
		{"a dimension above the limit is a size mismatch", "huge-dim.idx", nil, nil, []error{ErrSizeMismatch}},
		{"dimensions whose product overflows are a size mismatch", "overflow-dims.idx", nil, nil, []error{ErrSizeMismatch}},
		{"a cut gzip stream is truncated", "truncated.idx.gz", nil, nil, []error{ErrTruncated, io.ErrUnexpectedEOF}},
		{"a gzip stream with a bad CRC fails", "bad-crc.idx.gz", nil, nil, []error{gzip.ErrChecksum}},
		{"junk after a gzip stream fails", "trailing-junk.idx.gz", nil, nil, []error{gzip.ErrHeader}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join("testdata", "idx", tt.file)
			// ReadIDXFile knows the file's length; ReadIDX on a plain
			// io.Reader does not. Both must agree.
			fromFile, fileErr := ReadIDXFile(path)
			fromStream, streamErr := ReadIDX(iotest.HalfReader(bytes.NewReader(readTestdata(t, tt.file))))
			for _, c := range []struct {
				how string
				m   *IDX
				err error
			}{{"ReadIDXFile", fromFile, fileErr}, {"ReadIDX", fromStream, streamErr}} {
				if tt.wantErrs == nil {
					if c.err != nil {
						t.Fatalf("%s: %v", c.how, c.err)
					}
					if !slices.Equal(c.m.Dims, tt.wantDims) || !bytes.Equal(c.m.Data, tt.wantData) {
						t.Errorf("%s = %v %v, want %v %v", c.how, c.m.Dims, c.m.Data, tt.wantDims, tt.wantData)
					}
					continue
				}
				if c.m != nil || c.err == nil {
					t.Fatalf("%s = %v, %v; want an error", c.how, c.m, c.err)
				}
				for _, want := range tt.wantErrs {
					if !errors.Is(c.err, want) {
						t.Errorf("%s error %q does not wrap %q", c.how, c.err, want)
					}
				}
			}
			if fileErr != nil && !strings.HasPrefix(fileErr.Error(), path+": ") {
				t.Errorf("ReadIDXFile error %q does not start with the file name", fileErr)
			}
		})
	}
}

func TestReadIDXFileMissing(t *testing.T) {
	_, err := ReadIDXFile(filepath.Join(t.TempDir(), "nope.idx"))
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "nope.idx") {
		t.Errorf("error %v: want one naming nope.idx and wrapping fs.ErrNotExist", err)
	}
}

func TestReadIDXNilReader(t *testing.T) {
	if _, err := ReadIDX(nil); err == nil {
		t.Error("ReadIDX(nil) succeeded")
	}
}

// A read error from the underlying reader is passed on, not called truncation.
func TestReadIDXReaderError(t *testing.T) {
	boom := errors.New("disk on fire")
	for _, file := range []string{"images.idx", "images.idx.gz"} {
		t.Run(file, func(t *testing.T) {
			b := readTestdata(t, file)
			for _, cut := range []int{0, 3, 8, 20} {
				_, err := ReadIDX(io.MultiReader(bytes.NewReader(b[:cut]), iotest.ErrReader(boom)))
				if !errors.Is(err, boom) || errors.Is(err, ErrTruncated) {
					t.Errorf("error after %d bytes = %v, want %v and not truncated", cut, err, boom)
				}
			}
		})
	}
}

// Every proper prefix of a valid file fails cleanly: truncated, except that
// a lone 0x1f is not yet recognizable as gzip and is a bad magic.
func TestReadIDXTruncationSweep(t *testing.T) {
	dir := t.TempDir()
	for _, file := range []string{"images.idx", "images.idx.gz", "labels.idx", "labels.idx.gz"} {
		t.Run(file, func(t *testing.T) {
			b := readTestdata(t, file)
			for n := range len(b) {
				want := ErrTruncated
				if n == 1 && isGzip(b) {
					want = ErrBadMagic
				}
				if m, err := ReadIDX(bytes.NewReader(b[:n])); !errors.Is(err, want) {
					t.Errorf("ReadIDX of the first %d bytes = %v, %v; want %v", n, m, err, want)
				}
				path := filepath.Join(dir, fmt.Sprintf("%s.%d", file, n))
				if err := os.WriteFile(path, b[:n], 0o644); err != nil {
					t.Fatal(err)
				}
				if m, err := ReadIDXFile(path); !errors.Is(err, want) {
					t.Errorf("ReadIDXFile of the first %d bytes = %v, %v; want %v", n, m, err, want)
				}
			}
		})
	}
}

// The buffer for data of unknown length grows in steps; check the steps
// add up, with data larger than the first chunk.
func TestReadIDXLargeStream(t *testing.T) {
	m := &IDX{Dims: []int{3, 300, 101}, Data: make([]byte, 3*300*101)}
	for i := range m.Data {
		m.Data[i] = byte(i * 7)
	}
	got, err := ReadIDX(iotest.OneByteReader(bytes.NewReader(encodeIDX(m))))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Dims, m.Dims) || !bytes.Equal(got.Data, m.Data) {
		t.Errorf("got dims %v and %d bytes, want %v and the %d written", got.Dims, len(got.Data), m.Dims, len(m.Data))
	}
}

// allocBound is the most that reading input b may allocate: a constant for
// the buffered reader, the gzip state and the first data chunk, plus a
// multiple of the bytes b can hold, which for gzip is deflate's largest
// expansion (maxGzipRatio) times its length. The multiple covers the result
// and the smaller buffers it grew through (growthFactor).
func allocBound(b []byte) uint64 {
	holds := uint64(len(b))
	if isGzip(b) {
		holds *= maxGzipRatio
	}
	return 1<<20 + 8*holds
}

// allocatedBy runs f and returns the bytes the Go heap allocated meanwhile.
// The tests that call it are not parallel, so the count is f's.
func allocatedBy(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// claimIDX returns a header declaring dims with 100 data bytes after it,
// gzipped if gz is set: a file that claims much more than it holds.
func claimIDX(tb testing.TB, dims []uint32, gz bool) []byte {
	tb.Helper()
	b := []byte{0, 0, typeUint8, byte(len(dims))}
	for _, d := range dims {
		b = binary.BigEndian.AppendUint32(b, d)
	}
	b = append(b, make([]byte, 100)...)
	if !gz {
		return b
	}
	var out bytes.Buffer
	zw := gzip.NewWriter(&out)
	if _, err := zw.Write(b); err != nil {
		tb.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return out.Bytes()
}

// Issue 18 item 3: a header's claim is not an allocation. Files of a few
// dozen bytes that declare up to 1 GiB, read as a stream (length unknown)
// and as a file (length known), fail without allocating more than what the
// input can hold (allocBound); the old reader allocated the full claim up
// front for gzip input and for any stream.
func TestReadIDXAllocationBound(t *testing.T) {
	for _, tt := range []struct {
		name string
		dims []uint32
		gz   bool
	}{
		{"raw claiming 1 GiB", []uint32{1 << 30}, false},
		{"gzip claiming 1 GiB", []uint32{1 << 30}, true},
		{"raw claiming 1,369,568 images", []uint32{1369568, 28, 28}, false},
		{"gzip claiming 1,369,568 images", []uint32{1369568, 28, 28}, true},
		{"gzip claiming 1024^3", []uint32{1 << 10, 1 << 10, 1 << 10}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := claimIDX(t, tt.dims, tt.gz)
			limit := allocBound(b)
			path := filepath.Join(t.TempDir(), "f.idx")
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
			for how, read := range map[string]func() (*IDX, error){
				"ReadIDX":     func() (*IDX, error) { return ReadIDX(bytes.NewReader(b)) },
				"ReadIDXFile": func() (*IDX, error) { return ReadIDXFile(path) },
			} {
				var err error
				got := allocatedBy(func() { _, err = read() })
				if err == nil || !(errors.Is(err, ErrTruncated) || errors.Is(err, ErrSizeMismatch)) {
					t.Errorf("%s error %v, want truncated or a size mismatch", how, err)
				}
				if got > limit {
					t.Errorf("%s of %d bytes allocated %d, more than the bound %d", how, len(b), got, limit)
				}
			}
		})
	}
}

func FuzzReadIDX(f *testing.F) {
	seeds, err := filepath.Glob(filepath.Join("testdata", "*", "*"))
	if err != nil {
		f.Fatal(err)
	}
	for _, p := range seeds {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	// Small files that claim far more than they hold, raw and gzipped.
	for _, dims := range [][]uint32{{1 << 30}, {1369600, 28, 28}, {1369568, 28, 28}, {1 << 10, 1 << 10, 1 << 10}} {
		f.Add(claimIDX(f, dims, false))
		f.Add(claimIDX(f, dims, true))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var m, sized *IDX
		var err, sizedErr error
		// Neither path may allocate beyond what the input can really hold.
		limit := allocBound(b)
		if got := allocatedBy(func() { m, err = ReadIDX(bytes.NewReader(b)) }); got > limit {
			t.Fatalf("ReadIDX of %d bytes allocated %d, more than the bound %d", len(b), got, limit)
		}
		// The path that knows the length must agree with the one that does not.
		if got := allocatedBy(func() { sized, sizedErr = readIDX(bytes.NewReader(b), int64(len(b))) }); got > limit {
			t.Fatalf("readIDX of %d bytes, length known, allocated %d, more than the bound %d", len(b), got, limit)
		}
		if (err == nil) != (sizedErr == nil) {
			t.Fatalf("ReadIDX error %v, with the length known %v", err, sizedErr)
		}
		if err != nil {
			if m != nil {
				t.Fatalf("ReadIDX returned %v with error %v", m, err)
			}
			return
		}
		size := 1
		for _, d := range m.Dims {
			size *= d
		}
		if len(m.Data) != size {
			t.Fatalf("dims %v with %d data bytes", m.Dims, len(m.Data))
		}
		enc := encodeIDX(m)
		if !bytes.Equal(encodeIDX(sized), enc) {
			t.Fatal("ReadIDX and readIDX with the length known decode differently")
		}
		if !isGzip(b) {
			if !bytes.Equal(enc, b) {
				t.Fatalf("re-encoding gives %x, input was %x", enc, b)
			}
			return
		}
		again, err := ReadIDX(bytes.NewReader(enc))
		if err != nil || !slices.Equal(again.Dims, m.Dims) || !bytes.Equal(again.Data, m.Data) {
			t.Fatalf("re-reading the gunzipped file: %v", err)
		}
	})
}

func ExampleReadIDX() {
	// A 2x3 matrix of bytes: the magic (00 00, type 08, rank 2), the two
	// dimensions as big-endian uint32, then the six elements.
	raw := []byte{0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6}
	m, err := ReadIDX(bytes.NewReader(raw))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(m.Dims, m.Data)

	_, err = ReadIDX(bytes.NewReader(raw[:15]))
	fmt.Println(errors.Is(err, ErrTruncated))
	// Output:
	// [2 3] [1 2 3 4 5 6]
	// true
}
