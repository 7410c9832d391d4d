package export

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// NPZ returns m's weights as a NumPy .npz archive (what numpy.savez
// writes: a zip of one .npy file per array), float32 little-endian:
// "<layer>.weights" [inputs, outputs] and "<layer>.biases" [outputs] for
// each layer, "hidden_0" ... then "output" (the perceptron has only
// "output"), so that with x = pixels / 255 each layer is x @ W + b.
func NPZ(m *Model) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, l := range m.Layers {
		if err := addNPY(zw, l.Name+".weights", []int{l.Inputs, l.Outputs}, l.W); err != nil {
			return nil, err
		}
		if err := addNPY(zw, l.Name+".biases", []int{l.Outputs}, l.B); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("export: npz: %w", err)
	}
	return buf.Bytes(), nil
}

// addNPY adds name.npy to zw (stored, not compressed: weights barely
// compress, and numpy.load then reads every entry directly).
func addNPY(zw *zip.Writer, name string, shape []int, values []float32) error {
	w, err := zw.CreateHeader(&zip.FileHeader{Name: name + ".npy", Method: zip.Store})
	if err != nil {
		return fmt.Errorf("export: npz %s: %w", name, err)
	}
	if _, err := w.Write(NPY(shape, values)); err != nil {
		return fmt.Errorf("export: npz %s: %w", name, err)
	}
	return nil
}

// NPY encodes a float32 array as a .npy file, format version 1.0
// (numpy.lib.format): the magic "\x93NUMPY", the version 1 0, the header's
// length as a little-endian uint16, the header (a Python dict literal
// padded with spaces and ending in a newline so that the data starts at a
// multiple of 64 bytes), then the values in C order.
func NPY(shape []int, values []float32) []byte {
	dims := make([]string, len(shape))
	for i, d := range shape {
		dims[i] = strconv.Itoa(d)
	}
	tuple := "(" + strings.Join(dims, ", ") + ")"
	if len(shape) == 1 {
		tuple = "(" + dims[0] + ",)" // a one-element tuple
	}
	header := "{'descr': '<f4', 'fortran_order': False, 'shape': " + tuple + ", }"
	const prefix = 10 // magic 6, version 2, header length 2
	pad := 64 - (prefix+len(header)+1)%64
	if pad == 64 {
		pad = 0
	}
	header += strings.Repeat(" ", pad) + "\n"
	out := make([]byte, 0, prefix+len(header)+4*len(values))
	out = append(out, "\x93NUMPY\x01\x00"...)
	out = binary.LittleEndian.AppendUint16(out, uint16(len(header)))
	out = append(out, header...)
	for _, v := range values {
		out = binary.LittleEndian.AppendUint32(out, math.Float32bits(v))
	}
	return out
}
