package export

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/neurona/neurona/internal/onnx"
	"github.com/neurona/neurona/models"
	"google.golang.org/protobuf/proto"
)

// The ONNX versions written: IR version 8 and the default operator set 17,
// the newest that onnx 1.12 (Debian 12's python3-onnx, whose onnx.proto the
// Go types come from) checks; ONNX Runtime 1.13 and later run it. Opset 17
// still takes ReduceMax's axes as an attribute (18 made them an input).
const (
	IRVersion = 8
	Opset     = 17
)

// Names of the graph's inputs and outputs.
const (
	InputPixels         = "pixels"        // [N, rows·cols] or [N, rows, cols], 0-255
	OutputProbabilities = "probabilities" // float32 [N, classes]
	OutputClass         = "class"         // int64 [N], the predicted class
	OutputScores        = "scores"        // float32 [N, classes], before the output activation
)

// MaxONNXWeights is the most bytes of weights ONNX writes: a protobuf
// message, so an ONNX file without external data, is at most 2 GiB, and
// the graph needs some room besides the weights.
const MaxONNXWeights = 2<<30 - 1<<20

// ErrTooLarge is returned for a model whose weights do not fit in one ONNX
// file.
var ErrTooLarge = errors.New("export: the weights are too large for one ONNX file (at most 2 GiB; --format npz has no limit)")

// Input is how an ONNX model takes its pixels.
type Input struct {
	// Uint8 takes uint8 pixels (as image files and MNIST hold them) instead
	// of float32 ones.
	Uint8 bool
	// Image takes [N, rows, cols] instead of [N, rows·cols].
	Image bool
}

// ONNX returns m as a serialized ONNX ModelProto: pixels in, as they are in
// the data (0-255; float32 [N, rows·cols] unless in says otherwise),
// divided by 255 inside the graph as neurona does before its first layer;
// probabilities, class and scores out, computed as neurona's predict
// computes them.
func ONNX(m *Model, in Input) ([]byte, error) {
	size := 0.0
	for _, l := range m.Layers {
		size += 4 * l.Size().Params // counted in float64: no declared size overflows it
	}
	if size > MaxONNXWeights {
		return nil, fmt.Errorf("%w: %s has %.0f bytes of weights", ErrTooLarge, m.Spec, size)
	}
	if in.Image && m.ImageRows*m.ImageCols != m.Spec.Inputs {
		return nil, fmt.Errorf("export: %dx%d images for a model of %d inputs", m.ImageRows, m.ImageCols, m.Spec.Inputs)
	}
	if len(m.Layers) == 0 || m.Layers[len(m.Layers)-1].Activation != "" {
		return nil, fmt.Errorf("export: %s: the last layer must give the scores (no activation)", m.Spec)
	}
	g := &graph{}
	x := InputPixels
	if in.Image {
		g.int64s("flat_shape", []int64{-1, int64(m.Spec.Inputs)})
		x = g.node("Reshape", []string{x, "flat_shape"}, "flat_pixels", nil)
	}
	if in.Uint8 {
		x = g.node("Cast", []string{x}, "float_pixels", []*onnx.AttributeProto{intAttr("to", int64(onnx.TensorProto_FLOAT))})
	}
	g.constant("input_scale", []int64{}, []float32{255})
	x = g.node("Div", []string{x, "input_scale"}, "x", nil)
	for i, l := range m.Layers {
		if l.Op != models.OpDense {
			return nil, fmt.Errorf("export: layer %s is a %s layer, which has no ONNX form", l.Name, l.Op)
		}
		zName := l.Name + ".z"
		if i == len(m.Layers)-1 {
			zName = OutputScores
		}
		z := g.denseTo(l, x, zName)
		switch l.Activation {
		case "", "linear": // "": the last layer's scores
			x = z
		case "relu":
			x = g.node("Relu", []string{z}, l.Name+".h", nil)
		case "leaky_relu": // slope 0.01 below 0, as models.Activate
			x = g.node("LeakyRelu", []string{z}, l.Name+".h", []*onnx.AttributeProto{floatAttr("alpha", 0.01)})
		case "sigmoid":
			x = g.node("Sigmoid", []string{z}, l.Name+".h", nil)
		case "tanh":
			x = g.node("Tanh", []string{z}, l.Name+".h", nil)
		case "maxout": // [N, width·pieces] -> [N, width, pieces] -> max over the pieces
			g.int64s(l.Name+".pieces_shape", []int64{-1, int64(l.Units()), int64(l.MaxoutPieces)})
			r := g.node("Reshape", []string{z, l.Name + ".pieces_shape"}, l.Name+".pieces", nil)
			x = g.node("ReduceMax", []string{r}, l.Name+".h", []*onnx.AttributeProto{intsAttr("axes", 2), intAttr("keepdims", 0)})
		default:
			return nil, fmt.Errorf("export: activation %q has no ONNX form", l.Activation)
		}
	}
	switch m.Outputs {
	case models.OutputSoftmax:
		g.node("Softmax", []string{x}, OutputProbabilities, []*onnx.AttributeProto{intAttr("axis", 1)})
	case models.OutputSigmoid:
		g.node("Sigmoid", []string{x}, OutputProbabilities, nil)
	case models.OutputClipped:
		g.constant("zero", []int64{}, []float32{0})
		g.constant("one", []int64{}, []float32{1})
		g.node("Clip", []string{x, "zero", "one"}, OutputProbabilities, nil)
	case models.OutputStep:
		g.constant("zero", []int64{}, []float32{0})
		above := g.node("Greater", []string{x, "zero"}, "above_zero", nil)
		g.node("Cast", []string{above}, OutputProbabilities, []*onnx.AttributeProto{intAttr("to", int64(onnx.TensorProto_FLOAT))})
	default:
		return nil, fmt.Errorf("export: outputs %q have no ONNX form", m.Outputs)
	}
	// ArgMax keeps the first of equal scores, as GoMLX's ArgMax does.
	g.node("ArgMax", []string{x}, OutputClass, []*onnx.AttributeProto{intAttr("axis", 1), intAttr("keepdims", 0)})

	dtype, dims := onnx.TensorProto_FLOAT, []int64{int64(m.Spec.Inputs)}
	if in.Uint8 {
		dtype = onnx.TensorProto_UINT8
	}
	if in.Image {
		dims = []int64{int64(m.ImageRows), int64(m.ImageCols)}
	}
	classes := int64(m.Spec.Classes)
	mp := &onnx.ModelProto{
		IrVersion:       proto.Int64(IRVersion),
		OpsetImport:     []*onnx.OperatorSetIdProto{{Domain: proto.String(""), Version: proto.Int64(Opset)}},
		ProducerName:    proto.String("neurona"),
		ProducerVersion: proto.String(m.Producer),
		DocString:       proto.String(m.Spec.String() + ": pixels as in the data (0-255) in, " + string(m.Outputs) + " probabilities out"),
		Graph: &onnx.GraphProto{
			Name:        proto.String("neurona"),
			Node:        g.nodes,
			Initializer: g.inits,
			Input:       []*onnx.ValueInfoProto{tensorInfo(InputPixels, dtype, dims...)},
			Output: []*onnx.ValueInfoProto{
				tensorInfo(OutputProbabilities, onnx.TensorProto_FLOAT, classes),
				tensorInfo(OutputClass, onnx.TensorProto_INT64),
				tensorInfo(OutputScores, onnx.TensorProto_FLOAT, classes),
			},
		},
		MetadataProps: metadata(m, in),
	}
	return proto.MarshalOptions{Deterministic: true}.Marshal(mp)
}

// metadata is the model's metadata_props: what a user of the file needs to
// feed it and read its outputs.
func metadata(m *Model, in Input) []*onnx.StringStringEntryProto {
	input := "float32 [N, " + strconv.Itoa(m.Spec.Inputs) + "]"
	if in.Image {
		input = "float32 [N, " + strconv.Itoa(m.ImageRows) + ", " + strconv.Itoa(m.ImageCols) + "]"
	}
	if in.Uint8 {
		input = "uint8" + strings.TrimPrefix(input, "float32")
	}
	names, _ := json.Marshal(m.Classes) // a []string always marshals
	props := [][2]string{
		{"neurona.model", m.Spec.String()},
		{"neurona.averaged_weights", strconv.FormatBool(m.Average)},
		{"neurona.outputs", string(m.Outputs)},
		{"image_rows", strconv.Itoa(m.ImageRows)},
		{"image_cols", strconv.Itoa(m.ImageCols)},
		{"input", InputPixels + ": " + input + ", pixels 0-255 row by row as in the data; the graph divides by 255"},
		{"classes", string(names)},
	}
	out := make([]*onnx.StringStringEntryProto, len(props))
	for i, p := range props {
		out[i] = &onnx.StringStringEntryProto{Key: proto.String(p[0]), Value: proto.String(p[1])}
	}
	return out
}

// graph collects nodes and initializers.
type graph struct {
	nodes []*onnx.NodeProto
	inits []*onnx.TensorProto
}

// node adds op(inputs) -> output and returns output.
func (g *graph) node(op string, inputs []string, output string, attrs []*onnx.AttributeProto) string {
	g.nodes = append(g.nodes, &onnx.NodeProto{Name: proto.String(output), OpType: proto.String(op),
		Input: inputs, Output: []string{output}, Attribute: attrs})
	return output
}

// denseTo adds z = x·W + b as one Gemm, W [Inputs, Outputs].
func (g *graph) denseTo(l Layer, x, z string) string {
	g.constant(l.Name+".weights", []int64{int64(l.Inputs), int64(l.Outputs)}, l.W)
	g.constant(l.Name+".biases", []int64{int64(l.Outputs)}, l.B)
	return g.node("Gemm", []string{x, l.Name + ".weights", l.Name + ".biases"}, z, nil)
}

func (g *graph) constant(name string, dims []int64, values []float32) {
	g.inits = append(g.inits, &onnx.TensorProto{Name: proto.String(name), Dims: dims,
		DataType: proto.Int32(int32(onnx.TensorProto_FLOAT)), FloatData: values})
}

func (g *graph) int64s(name string, values []int64) {
	g.inits = append(g.inits, &onnx.TensorProto{Name: proto.String(name), Dims: []int64{int64(len(values))},
		DataType: proto.Int32(int32(onnx.TensorProto_INT64)), Int64Data: values})
}

// tensorInfo describes a tensor [N, dims...] with a symbolic batch N.
func tensorInfo(name string, dtype onnx.TensorProto_DataType, dims ...int64) *onnx.ValueInfoProto {
	shape := &onnx.TensorShapeProto{Dim: []*onnx.TensorShapeProto_Dimension{
		{Value: &onnx.TensorShapeProto_Dimension_DimParam{DimParam: "N"}}}}
	for _, d := range dims {
		shape.Dim = append(shape.Dim, &onnx.TensorShapeProto_Dimension{Value: &onnx.TensorShapeProto_Dimension_DimValue{DimValue: d}})
	}
	return &onnx.ValueInfoProto{Name: proto.String(name), Type: &onnx.TypeProto{Value: &onnx.TypeProto_TensorType{
		TensorType: &onnx.TypeProto_Tensor{ElemType: proto.Int32(int32(dtype)), Shape: shape}}}}
}

func intAttr(name string, v int64) *onnx.AttributeProto {
	return &onnx.AttributeProto{Name: proto.String(name), Type: onnx.AttributeProto_INT.Enum(), I: proto.Int64(v)}
}

func intsAttr(name string, v ...int64) *onnx.AttributeProto {
	return &onnx.AttributeProto{Name: proto.String(name), Type: onnx.AttributeProto_INTS.Enum(), Ints: v}
}

func floatAttr(name string, v float32) *onnx.AttributeProto {
	return &onnx.AttributeProto{Name: proto.String(name), Type: onnx.AttributeProto_FLOAT.Enum(), F: proto.Float32(v)}
}
