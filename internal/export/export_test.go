package export

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/neurona/neurona/data"
	"github.com/neurona/neurona/internal/onnx"
	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train/checkpoint"
	"google.golang.org/protobuf/proto"
)

// variable is a Float32 checkpoint variable of shape dims holding
// f(0), f(1), ... in storage order.
func variable(path string, dims []int, f func(i int) float32) checkpoint.Variable {
	n := 1
	for _, d := range dims {
		n *= d
	}
	v := checkpoint.Variable{Path: path, DType: "Float32", Shape: dims}
	for i := range n {
		v.Data = binary.LittleEndian.AppendUint32(v.Data, math.Float32bits(f(i)))
	}
	return v
}

// mlpVars are the variables of an MLP inputs-hidden-classes under prefix,
// the weight w[in][out] = 100·in + out stored in the given layout.
func mlpVars(prefix string, transposed bool, inputs, hidden, classes int) []checkpoint.Variable {
	var vars []checkpoint.Variable
	for _, l := range []struct {
		scope   string
		in, out int
	}{{"hidden_0", inputs, hidden}, {"output", hidden, classes}} {
		dims := []int{l.in, l.out}
		weight := func(i int) float32 { return float32(100*(i/l.out) + i%l.out) }
		if transposed {
			dims = []int{l.out, l.in}
			weight = func(i int) float32 { return float32(100*(i%l.in) + i/l.in) }
		}
		vars = append(vars,
			variable(prefix+"/"+l.scope+"/dense/weights", dims, weight),
			variable(prefix+"/"+l.scope+"/dense/biases", []int{l.out}, func(i int) float32 { return float32(-i) }))
	}
	return vars
}

// FromCheckpoint reads an MLP's weights in either layout as the same
// [inputs, outputs] matrices, and the perceptron's averaged copies when
// they are the ones it predicts with.
func TestFromCheckpointReadsEveryLayout(t *testing.T) {
	spec := models.Spec{Name: models.MLP, Inputs: 4, Classes: 3, Hidden: []int{5}, Loss: models.LossMSE}
	want := make([]float32, 4*5)
	for i := range want {
		want[i] = float32(100*(i/5) + i%5)
	}
	for _, tc := range []struct {
		name   string
		layout string
	}{
		{"weights stored [inputs, outputs] are read as they are", models.LayoutInputsOutputs},
		{"weights stored [outputs, inputs] are transposed", models.LayoutOutputsInputs},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := spec
			s.Layout = tc.layout
			m, err := FromCheckpoint(s, false, data.Classes{N: 3}, 2, 2, mlpVars("", tc.layout == models.LayoutOutputsInputs, 4, 5, 3))
			if err != nil {
				t.Fatal(err)
			}
			if len(m.Layers) != 2 {
				t.Fatalf("%d layers, want hidden_0 and output", len(m.Layers))
			}
			hidden, out := m.Layers[0], m.Layers[1]
			if !slices.Equal(hidden.W, want) || hidden.Name != "hidden_0" || out.Name != "output" || out.Inputs != 5 || out.Outputs != 3 || m.Outputs != models.OutputClipped {
				t.Errorf("%s weights %v, %s %dx%d %s; want hidden_0 %v, output 5x3 clipped", hidden.Name, hidden.W, out.Name, out.Inputs, out.Outputs, m.Outputs, want)
			}
			if !slices.Equal(m.Classes, []string{"0", "1", "2"}) {
				t.Errorf("classes %v, want their numbers", m.Classes)
			}
		})
	}
	t.Run("a perceptron trained with --average exports its averaged weights", func(t *testing.T) {
		p := models.Spec{Name: models.Perceptron, Inputs: 2, Classes: 2}
		vars := []checkpoint.Variable{
			variable("/perceptron/dense/weights", []int{2, 2}, func(int) float32 { return 1 }),
			variable("/perceptron/dense/biases", []int{2}, func(int) float32 { return 1 }),
			variable("/averaged/perceptron/dense/weights", []int{2, 2}, func(i int) float32 { return float32(i) }),
			variable("/averaged/perceptron/dense/biases", []int{2}, func(int) float32 { return 7 }),
		}
		m, err := FromCheckpoint(p, true, data.Classes{N: 2, Names: []string{"no", "yes"}}, 1, 2, vars)
		if err != nil {
			t.Fatal(err)
		}
		// stored [classes, inputs] 0 1 / 2 3, exported [inputs, classes]
		if len(m.Layers) != 1 {
			t.Fatalf("%d layers, want the perceptron's one", len(m.Layers))
		}
		out := m.Layers[0]
		if out.Name != "output" || !slices.Equal(out.W, []float32{0, 2, 1, 3}) || !slices.Equal(out.B, []float32{7, 7}) || m.Outputs != models.OutputStep {
			t.Errorf("%s weights %v, biases %v, outputs %s; want output, the averaged [0 2 1 3], [7 7], step", out.Name, out.W, out.B, m.Outputs)
		}
		last, err := FromCheckpoint(p, false, data.Classes{N: 2}, 1, 2, vars)
		if err != nil || !slices.Equal(last.Layers[0].W, []float32{1, 1, 1, 1}) {
			t.Errorf("without --average: %v; want the last weights [1 1 1 1]", err)
		}
	})
}

// Variables that do not match the model are ErrWeights, never a panic.
func TestFromCheckpointRefusesWrongWeights(t *testing.T) {
	spec := models.Spec{Name: models.MLP, Inputs: 4, Classes: 3, Hidden: []int{5}, Layout: models.LayoutOutputsInputs}
	good := mlpVars("", true, 4, 5, 3)
	for _, tc := range []struct {
		name   string
		change func(vars []checkpoint.Variable) []checkpoint.Variable
	}{
		{"a missing layer", func(v []checkpoint.Variable) []checkpoint.Variable { return v[:2] }},
		{"weights of another shape", func(v []checkpoint.Variable) []checkpoint.Variable {
			v[0].Shape = []int{4, 5}
			return v
		}},
		{"weights of another dtype", func(v []checkpoint.Variable) []checkpoint.Variable {
			v[2].DType = "Float64"
			return v
		}},
		{"data shorter than the shape", func(v []checkpoint.Variable) []checkpoint.Variable {
			v[1].Data = v[1].Data[:3]
			return v
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vars := tc.change(slices.Clone(good))
			if _, err := FromCheckpoint(spec, false, data.Classes{N: 3}, 2, 2, vars); !errors.Is(err, ErrWeights) {
				t.Errorf("error %v, want ErrWeights", err)
			}
		})
	}
}

// The ONNX graph of each hidden activation uses the operators that compute
// it, between the input scaling and the output layer.
func TestONNXOperatorsPerActivation(t *testing.T) {
	for _, tc := range []struct {
		activation string
		loss       string
		ops        string
	}{
		{"relu", models.LossSoftmaxCE, "Div Gemm Relu Gemm Softmax ArgMax"},
		{"leaky_relu", models.LossSigmoidBCE, "Div Gemm LeakyRelu Gemm Sigmoid ArgMax"},
		{"sigmoid", models.LossMSE, "Div Gemm Sigmoid Gemm Clip ArgMax"},
		{"tanh", models.LossSoftmaxCE, "Div Gemm Tanh Gemm Softmax ArgMax"},
		{"linear", models.LossSoftmaxCE, "Div Gemm Gemm Softmax ArgMax"},
		{"maxout", models.LossSoftmaxCE, "Div Gemm Reshape ReduceMax Gemm Softmax ArgMax"},
	} {
		t.Run(fmt.Sprintf("%s hidden units with %s outputs", tc.activation, tc.loss), func(t *testing.T) {
			spec := models.Spec{Name: models.MLP, Inputs: 4, Classes: 3, Hidden: []int{5}, Activation: tc.activation, Loss: tc.loss}
			width := 5
			if tc.activation == "maxout" {
				width = 10 // 2 pieces
			}
			vars := mlpVars("", false, 4, width, 3)
			vars[2] = variable("/output/dense/weights", []int{5, 3}, func(int) float32 { return 1 })
			m, err := FromCheckpoint(spec, false, data.Classes{N: 3}, 2, 2, vars)
			if err != nil {
				t.Fatal(err)
			}
			b, err := ONNX(m, Input{})
			if err != nil {
				t.Fatal(err)
			}
			var mp onnx.ModelProto
			if err := proto.Unmarshal(b, &mp); err != nil {
				t.Fatal(err)
			}
			var ops []string
			for _, n := range mp.GetGraph().GetNode() {
				ops = append(ops, n.GetOpType())
			}
			if got := strings.Join(ops, " "); got != tc.ops {
				t.Errorf("operators %q, want %q", got, tc.ops)
			}
			if mp.GetOpsetImport()[0].GetVersion() != Opset || mp.GetIrVersion() != IRVersion {
				t.Errorf("opset %d, IR version %d; want %d, %d", mp.GetOpsetImport()[0].GetVersion(), mp.GetIrVersion(), Opset, IRVersion)
			}
		})
	}
}

// NPY writes numpy.lib.format version 1.0: the magic, the header padded so
// the data starts at a multiple of 64 bytes, then the values.
func TestNPYFormat(t *testing.T) {
	for _, tc := range []struct {
		name  string
		shape []int
		tuple string
	}{
		{"a matrix has a two-element shape", []int{2, 3}, "(2, 3)"},
		{"a vector has a one-element tuple", []int{3}, "(3,)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := 1
			for _, d := range tc.shape {
				n *= d
			}
			values := make([]float32, n)
			for i := range values {
				values[i] = float32(i) + 0.5
			}
			b := NPY(tc.shape, values)
			if !bytes.HasPrefix(b, []byte("\x93NUMPY\x01\x00")) {
				t.Fatalf("starts %q, want the magic and version 1.0", b[:8])
			}
			hlen := int(binary.LittleEndian.Uint16(b[8:]))
			header := string(b[10 : 10+hlen])
			if (10+hlen)%64 != 0 || !strings.HasSuffix(header, "\n") ||
				!strings.HasPrefix(header, "{'descr': '<f4', 'fortran_order': False, 'shape': "+tc.tuple+", }") {
				t.Errorf("header %q (%d bytes); want the dict with shape %s, ending in a newline at a multiple of 64", header, hlen, tc.tuple)
			}
			body := b[10+hlen:]
			if len(body) != 4*n || math.Float32frombits(binary.LittleEndian.Uint32(body[4*(n-1):])) != values[n-1] {
				t.Errorf("%d bytes of data, want %d little-endian float32", len(body), 4*n)
			}
		})
	}
}

// FromCheckpoint never panics on variables of any shape and size, and
// what it accepts has the model's sizes.
func FuzzFromCheckpoint(f *testing.F) {
	f.Add(4, 5, 20, 5, false)
	f.Add(5, 4, 20, 3, true)
	f.Add(-1, 0, 7, 0, true)
	f.Fuzz(func(t *testing.T, rows, cols, dataLen, biasLen int, average bool) {
		if dataLen < 0 || dataLen > 1<<12 || biasLen < 0 || biasLen > 1<<12 {
			return
		}
		prefix := ""
		if average {
			prefix = "/averaged"
		}
		vars := []checkpoint.Variable{
			{Path: prefix + "/perceptron/dense/weights", DType: "Float32", Shape: []int{rows, cols}, Data: make([]byte, dataLen)},
			{Path: prefix + "/perceptron/dense/biases", DType: "Float32", Shape: []int{biasLen}, Data: make([]byte, 4*biasLen)},
		}
		spec := models.Spec{Name: models.Perceptron, Inputs: 5, Classes: 4}
		m, err := FromCheckpoint(spec, average, data.Classes{N: 4}, 1, 5, vars)
		if err != nil {
			return
		}
		if len(m.Layers) != 1 || len(m.Layers[0].W) != 20 || len(m.Layers[0].B) != 4 {
			t.Errorf("accepted %d layers for a 5-input, 4-class perceptron, or the wrong sizes", len(m.Layers))
		}
	})
}

// A model whose weights pass ONNX's 2 GiB limit is refused before anything
// is built, with the format that has no limit named.
func TestONNXRefusesTooLargeWeights(t *testing.T) {
	spec := models.Spec{Name: models.MLP, Inputs: 784, Classes: 10, Hidden: []int{1 << 20}}
	m := &Model{Spec: spec, Outputs: models.OutputSoftmax, Layers: []Layer{
		{Layer: models.Layer{Op: models.OpDense, Name: "hidden_0", Inputs: 784, Outputs: 1 << 20, Activation: "relu"}}, // 3.3 GB declared, none allocated
		{Layer: models.Layer{Op: models.OpDense, Name: "output", Inputs: 1 << 20, Outputs: 10}}}}
	if _, err := ONNX(m, Input{}); !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "--format npz") {
		t.Errorf("error %v, want ErrTooLarge naming --format npz", err)
	}
}
