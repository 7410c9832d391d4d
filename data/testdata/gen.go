//go:build ignore

// gen writes the small IDX files the data package's tests read. Run it from
// the data folder with `go generate` (or `go run testdata/gen.go`); the
// files it writes are committed, so the tests do not depend on it.
package main

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"log"
	"os"
	"path/filepath"
)

// idx encodes an IDX header of element type typ with the given dimensions,
// followed by data as is (which need not match the dimensions).
func idx(typ byte, dims []uint32, data []byte) []byte {
	var b bytes.Buffer
	b.Write([]byte{0, 0, typ, byte(len(dims))})
	for _, d := range dims {
		binary.Write(&b, binary.BigEndian, d) // bytes.Buffer writes cannot fail
	}
	b.Write(data)
	return b.Bytes()
}

func gz(raw []byte) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	if _, err := w.Write(raw); err != nil {
		log.Fatal(err)
	}
	if err := w.Close(); err != nil {
		log.Fatal(err)
	}
	return b.Bytes()
}

// seq returns n bytes start, start+step, ... (mod 256).
func seq(n int, start, step byte) []byte {
	out := make([]byte, n)
	for i := range out {
		out[i] = start + byte(i)*step
	}
	return out
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func main() {
	images := idx(0x08, []uint32{3, 2, 2}, seq(12, 0, 21))
	labels := idx(0x08, []uint32{3}, []byte{0, 5, 9})
	testImages := idx(0x08, []uint32{2, 2, 2}, seq(8, 255, 226)) // 255, 225, ...
	testLabels := idx(0x08, []uint32{2}, []byte{7, 1})

	imagesGz := gz(images)
	badCRC := bytes.Clone(imagesGz)
	badCRC[len(badCRC)-8] ^= 0xff // first byte of the CRC-32 in the trailer

	files := map[string][]byte{
		"idx/images.idx":           images,
		"idx/images.idx.gz":        imagesGz,
		"idx/labels.idx":           labels,
		"idx/labels.idx.gz":        gz(labels),
		"idx/labels-empty.idx":     idx(0x08, []uint32{0}, nil),
		"idx/labels-2.idx":         idx(0x08, []uint32{2}, []byte{1, 2}),
		"idx/label-10.idx":         idx(0x08, []uint32{3}, []byte{0, 10, 9}),
		"idx/images-no-cols.idx":   idx(0x08, []uint32{3, 2, 0}, nil),
		"idx/empty.idx":            nil,
		"idx/bad-magic.idx":        cat([]byte{1}, images[1:]),
		"idx/zip.idx":              []byte("PK\x03\x04"),
		"idx/bad-type.idx":         idx(0x07, []uint32{3, 2, 2}, seq(12, 0, 21)),
		"idx/float32.idx":          idx(0x0D, []uint32{2}, make([]byte, 8)),
		"idx/rank0.idx":            idx(0x08, nil, nil),
		"idx/rank5.idx":            idx(0x08, []uint32{1, 1, 1, 1, 1}, []byte{42}),
		"idx/short-header.idx":     images[:10],
		"idx/short-data.idx":       images[:len(images)-2],
		"idx/trailing.idx":         cat(images, []byte{0}),
		"idx/huge-dim.idx":         idx(0x08, []uint32{0xffffffff, 28, 28}, nil),
		"idx/overflow-dims.idx":    idx(0x08, []uint32{1 << 16, 1 << 16, 1 << 16, 1 << 16}, nil),
		"idx/truncated.idx.gz":     imagesGz[:len(imagesGz)/2],
		"idx/bad-crc.idx.gz":       badCRC,
		"idx/trailing-junk.idx.gz": cat(imagesGz, []byte("junk, not a gzip member")),

		// A miniature MNIST folder: 3 training and 2 test images of 2x2 pixels.
		"mini/train-images-idx3-ubyte.gz": imagesGz,
		"mini/train-labels-idx1-ubyte.gz": gz(labels),
		"mini/t10k-images-idx3-ubyte.gz":  gz(testImages),
		"mini/t10k-labels-idx1-ubyte.gz":  gz(testLabels),
	}
	for name, b := range files {
		if err := os.MkdirAll(filepath.Join("testdata", filepath.Dir(name)), 0o755); err != nil {
			log.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join("testdata", name), b, 0o644); err != nil {
			log.Fatal(err)
		}
	}
}
