// Package export writes a trained neurona model in formats other programs
// read: ONNX (ONNX writes the inference graph, for ONNX Runtime and every
// tool that reads ONNX) and NumPy's npz (NPZ writes the weights).
//
// Both start from a Model, the inference description of a checkpoint that
// FromCheckpoint reads: the model's layers as package models describes
// them (names, sizes, weight layout, activation) with their weights, and
// what its outputs are. This package knows layer ops and activations, no
// model kind: a new kind made of dense layers exports as it is.
//
//	m, err := export.FromCheckpoint(spec, average, classes, rows, cols, c.Variables)
//	onnxBytes, err := export.ONNX(m)
package export

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/neurona/neurona/data"
	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train/checkpoint"
)

// ErrWeights is wrapped by every error about a checkpoint's variables that
// do not match the model its configuration describes.
var ErrWeights = errors.New("export: checkpoint weights do not match the model")

// Layer is one dense layer, z = x·W + b followed by its activation, with
// its weights.
type Layer struct {
	models.Layer
	W []float32 // row-major [Inputs, Outputs], whatever the layout stored
	B []float32 // [Outputs]
}

// Model is what a trained model computes at inference.
type Model struct {
	Spec    models.Spec
	Average bool // the weights are the averaged ones
	// Layers are the model's layers, input to output; the last one's
	// outputs are the scores.
	Layers    []Layer
	Outputs   models.Outputs // what the probabilities are
	ImageRows int
	ImageCols int
	Classes   []string // class names, or their numbers
	// Producer is the version of neurona that exports (ONNX's
	// producer_version); FromCheckpoint leaves it empty.
	Producer string
}

// FromCheckpoint builds the inference Model of spec from a checkpoint's
// variables: the averaged copies when average is set (the weights neurona
// predicts with). classes, rows and cols describe the data the model was
// trained on.
func FromCheckpoint(spec models.Spec, average bool, classes data.Classes, rows, cols int, vars []checkpoint.Variable) (*Model, error) {
	nm, err := models.New(spec)
	if err != nil {
		return nil, err
	}
	spec = nm.Spec()
	m := &Model{Spec: spec, Average: average, Outputs: nm.Outputs(), ImageRows: rows, ImageCols: cols}
	for c := range spec.Classes {
		m.Classes = append(m.Classes, classes.Name(c))
	}
	byPath := map[string]checkpoint.Variable{}
	for _, v := range vars {
		byPath[v.Path] = v
	}
	prefix := ""
	if average {
		prefix = "/averaged"
	}
	for _, l := range nm.Layers() {
		if l.Op != models.OpDense {
			return nil, fmt.Errorf("export: layer %s of %s is a %s layer, which has no export", l.Name, spec, l.Op)
		}
		params := l.Params() // weights, biases
		transposed := l.Layout == models.LayoutOutputsInputs
		el := Layer{Layer: l}
		if el.W, err = floats(byPath, prefix+params[0].Name, l.Inputs, l.Outputs, transposed); err != nil {
			return nil, err
		}
		if el.B, err = floats(byPath, prefix+params[1].Name, l.Outputs, 0, false); err != nil {
			return nil, err
		}
		m.Layers = append(m.Layers, el)
	}
	return m, nil
}

// floats reads variable path as float32 [rows, cols] ([rows] when cols is
// 0), stored transposed ([cols, rows]) when transposed is set, and returns
// it row-major [rows, cols].
func floats(vars map[string]checkpoint.Variable, path string, rows, cols int, transposed bool) ([]float32, error) {
	v, ok := vars[path]
	if !ok {
		return nil, fmt.Errorf("%w: no variable %s", ErrWeights, path)
	}
	want := []int{rows}
	if cols > 0 {
		want = []int{rows, cols}
		if transposed {
			want = []int{cols, rows}
		}
	}
	n := rows * max(cols, 1)
	if v.DType != "Float32" || !sameShape(v.Shape, want) || len(v.Data) != 4*n {
		return nil, fmt.Errorf("%w: %s is %s %v (%d bytes), want Float32 %v", ErrWeights, path, v.DType, v.Shape, len(v.Data), want)
	}
	out := make([]float32, n)
	for i := range out {
		f := math.Float32frombits(binary.LittleEndian.Uint32(v.Data[4*i:]))
		if transposed {
			// stored [cols, rows]: element i of the stored order is
			// (i / rows, i % rows) there, (i % rows, i / rows) here.
			out[(i%rows)*cols+i/rows] = f
		} else {
			out[i] = f
		}
	}
	return out, nil
}

func sameShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
