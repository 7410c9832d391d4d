// Package export writes a trained neurona model in formats other programs
// read: ONNX (ONNX writes the inference graph, for ONNX Runtime and every
// tool that reads ONNX) and NumPy's npz (NPZ writes the weights).
//
// Both start from a Model, the inference description of a checkpoint that
// FromCheckpoint reads: the dense layers with their weights, the hidden
// activation and the output kind. Only FromCheckpoint knows how each model
// kind (models.Perceptron, models.MLP) names and lays out its variables.
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

// Output kinds: what the model's probabilities are (models' Probabilities).
const (
	OutputSoftmax = "softmax" // softmax over the classes
	OutputSigmoid = "sigmoid" // one sigmoid per class (one-vs-rest)
	OutputClipped = "clipped" // linear outputs clipped to [0, 1] (mse)
	OutputStep    = "step"    // 1 where the score is above 0, else 0 (perceptron)
)

// Layer is one dense layer: z = x·W + b.
type Layer struct {
	Name    string    // "hidden_0", ..., "output"
	Inputs  int       // features in
	Outputs int       // units out (width·pieces for maxout)
	W       []float32 // row-major [Inputs, Outputs]
	B       []float32 // [Outputs]
}

// Model is what a trained model computes at inference.
type Model struct {
	Spec         models.Spec
	Average      bool // the weights are the averaged ones
	Hidden       []Layer
	Output       Layer
	Activation   string // hidden activation (models.Activations)
	MaxoutPieces int    // pieces per maxout unit
	OutputKind   string // one of the Output* kinds
	ImageRows    int
	ImageCols    int
	Classes      []string // class names, or their numbers
	// Producer is the version of neurona that exports (ONNX's
	// producer_version); FromCheckpoint leaves it empty.
	Producer string
}

// FromCheckpoint builds the inference Model of spec (normalized) from a
// checkpoint's variables: the averaged copies when average is set (the
// weights neurona predicts with). classes, rows and cols describe the data
// the model was trained on.
func FromCheckpoint(spec models.Spec, average bool, classes data.Classes, rows, cols int, vars []checkpoint.Variable) (*Model, error) {
	spec, err := spec.Normalize()
	if err != nil {
		return nil, err
	}
	m := &Model{Spec: spec, Average: average, Activation: spec.Activation, MaxoutPieces: spec.MaxoutPieces,
		ImageRows: rows, ImageCols: cols}
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
	get := func(name, scope string, inputs, outputs int, transposed bool) (Layer, error) {
		l := Layer{Name: name, Inputs: inputs, Outputs: outputs}
		var err error
		if l.W, err = floats(byPath, prefix+"/"+scope+"/dense/weights", inputs, outputs, transposed); err != nil {
			return l, err
		}
		l.B, err = floats(byPath, prefix+"/"+scope+"/dense/biases", outputs, 0, false)
		return l, err
	}
	// One place per model kind: the perceptron's one layer is W [classes,
	// inputs] under "perceptron"; an MLP's layers are "hidden_i" and
	// "output", in its spec's layout, a maxout layer width·pieces wide.
	switch spec.Name {
	case models.Perceptron:
		m.OutputKind = OutputStep
		m.Output, err = get("output", "perceptron", spec.Inputs, spec.Classes, true)
		return m, err
	case models.MLP:
		transposed := spec.Layout == models.LayoutOutputsInputs
		in := spec.Inputs
		for i, width := range spec.Hidden {
			if spec.Activation == "maxout" {
				width *= spec.MaxoutPieces
			}
			l, err := get(fmt.Sprintf("hidden_%d", i), fmt.Sprintf("hidden_%d", i), in, width, transposed)
			if err != nil {
				return nil, err
			}
			m.Hidden = append(m.Hidden, l)
			in = spec.Hidden[i]
		}
		if m.Output, err = get("output", "output", in, spec.Classes, transposed); err != nil {
			return nil, err
		}
		switch spec.Loss {
		case models.LossSigmoidBCE:
			m.OutputKind = OutputSigmoid
		case models.LossMSE:
			m.OutputKind = OutputClipped
		default:
			m.OutputKind = OutputSoftmax
		}
		return m, nil
	}
	return nil, fmt.Errorf("export: model %q has no export", spec.Name)
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
