package models_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/janpfeifer/must"
	"github.com/neurona/neurona/models"
)

// graphParams builds m's forward graph for a batch of one and returns its
// trainable variables in creation order: what ParamsOf must say without
// building anything.
func graphParams(t *testing.T, m models.Model) []models.Param {
	t.Helper()
	store := model.NewStore()
	g := graph.NewGraph(goBackend(), "params")
	defer g.Finalize()
	x := graph.Parameter(g, "x", shapes.Make(dtypes.Float32, 1, m.Spec().Inputs))
	m.Scores(store.RootScope(), x)
	var params []models.Param
	for v := range store.IterVariables() {
		if v.Trainable {
			params = append(params, models.Param{Name: v.Path(), Shape: v.Shape().Dimensions})
		}
	}
	return params
}

// ParamsOf lists each kind's variables with their shapes and total.
func TestParams(t *testing.T) {
	tests := []struct {
		name      string
		spec      models.Spec
		want      []models.Param
		wantTotal int
	}{
		{"the perceptron is a 10x784 weight matrix and 10 biases",
			models.Spec{Name: models.Perceptron},
			[]models.Param{{"/perceptron/dense/weights", []int{10, 784}}, {"/perceptron/dense/biases", []int{10}}}, 7850},
		{"the default MLP 784-512-512-10 has 669706 parameters",
			models.Spec{Name: models.MLP},
			[]models.Param{
				{"/hidden_0/dense/weights", []int{784, 512}}, {"/hidden_0/dense/biases", []int{512}},
				{"/hidden_1/dense/weights", []int{512, 512}}, {"/hidden_1/dense/biases", []int{512}},
				{"/output/dense/weights", []int{512, 10}}, {"/output/dense/biases", []int{10}},
			}, 669706},
		{"an MLP without hidden layers has the perceptron's size",
			models.Spec{Name: models.MLP, Hidden: []int{}},
			[]models.Param{{"/output/dense/weights", []int{784, 10}}, {"/output/dense/biases", []int{10}}}, 7850},
		{"maxout with two pieces doubles each hidden layer's outputs",
			models.Spec{Name: models.MLP, Activation: "maxout"},
			[]models.Param{
				{"/hidden_0/dense/weights", []int{784, 1024}}, {"/hidden_0/dense/biases", []int{1024}},
				{"/hidden_1/dense/weights", []int{512, 1024}}, {"/hidden_1/dense/biases", []int{1024}},
				{"/output/dense/weights", []int{512, 10}}, {"/output/dense/biases", []int{10}},
			}, 1334282},
		{"a small MLP of other sizes",
			models.Spec{Name: models.MLP, Inputs: 4, Classes: 3, Hidden: []int{5}, Activation: "tanh"},
			[]models.Param{
				{"/hidden_0/dense/weights", []int{4, 5}}, {"/hidden_0/dense/biases", []int{5}},
				{"/output/dense/weights", []int{5, 3}}, {"/output/dense/biases", []int{3}},
			}, 43},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := must.M1(models.New(tt.spec))
			params, total := models.ParamsOf(m)
			if total != tt.wantTotal {
				t.Errorf("total %d, want %d", total, tt.wantTotal)
			}
			if !slices.EqualFunc(params, tt.want, func(a, b models.Param) bool { return a.Name == b.Name && slices.Equal(a.Shape, b.Shape) }) {
				t.Errorf("params %v, want %v", params, tt.want)
			}
			sum := 0
			for _, p := range params {
				size := 1
				for _, d := range p.Shape {
					size *= d
				}
				sum += size
			}
			if sum != total {
				t.Errorf("the shapes hold %d values, the total says %d", sum, total)
			}
		})
	}
}

// sizeSpecs are specs of every kind, layout and activation shape.
var sizeSpecs = []models.Spec{
	{Name: models.Perceptron},
	{Name: models.Perceptron, Inputs: 5, Classes: 3},
	{Name: models.MLP},
	{Name: models.MLP, Layout: models.LayoutOutputsInputs},
	{Name: models.MLP, Hidden: []int{}},
	{Name: models.MLP, Hidden: []int{}, Layout: models.LayoutOutputsInputs},
	{Name: models.MLP, Inputs: 6, Classes: 4, Hidden: []int{7, 3, 5}, Activation: "tanh", Loss: models.LossMSE},
	{Name: models.MLP, Inputs: 6, Classes: 4, Hidden: []int{7, 3}, Activation: "maxout", MaxoutPieces: 3},
	{Name: models.MLP, Inputs: 6, Classes: 4, Hidden: []int{5}, Activation: "maxout", Layout: models.LayoutOutputsInputs},
}

// ParamsOf, counted from the layers, names and shapes the variables the
// graph creates, in the same order, for every kind and layout; SizeOf's
// parameter count is their total.
func TestParamsOfMatchTheGraph(t *testing.T) {
	for _, spec := range sizeSpecs {
		m := must.M1(models.New(spec))
		layout := m.Layers()[0].Layout
		t.Run(fmt.Sprintf("the layers of %s (%s) describe its graph's variables", m.Spec(), layout), func(t *testing.T) {
			got, total := models.ParamsOf(m)
			want := graphParams(t, m)
			if !slices.EqualFunc(got, want, func(a, b models.Param) bool { return a.Name == b.Name && slices.Equal(a.Shape, b.Shape) }) {
				t.Errorf("ParamsOf = %v, the graph's = %v", got, want)
			}
			sum := 0
			for _, p := range want {
				n := 1
				for _, d := range p.Shape {
					n *= d
				}
				sum += n
			}
			if total != sum || models.SizeOf(m).Params != float64(sum) {
				t.Errorf("total %d, SizeOf %v parameters; the graph's variables hold %d", total, models.SizeOf(m).Params, sum)
			}
		})
	}
}

// SizeOf counts what the memory estimate and the Go backend's scheduling
// use: one multiply-add per weight and example, and the values a forward
// pass keeps (the input, each layer's outputs before and after its
// activation).
func TestSizeOf(t *testing.T) {
	for _, tt := range []struct {
		name string
		spec models.Spec
		want models.Size
	}{
		{"the perceptron: 784·10 weights, the input, its scores and their steps",
			models.Spec{Name: models.Perceptron}, models.Size{Params: 7850, MultiplyAdds: 7840, Activations: 784 + 10 + 10}},
		{"the default MLP 784-512-512-10",
			models.Spec{Name: models.MLP}, models.Size{Params: 669706, MultiplyAdds: 784*512 + 512*512 + 512*10, Activations: 784 + 2*512 + 2*512 + 2*10}},
		{"maxout keeps its pieces, then the units",
			models.Spec{Name: models.MLP, Inputs: 4, Classes: 3, Hidden: []int{5}, Activation: "maxout", MaxoutPieces: 2},
			models.Size{Params: 4*10 + 10 + 5*3 + 3, MultiplyAdds: 4*10 + 5*3, Activations: 4 + 10 + 5 + 3 + 3}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := models.SizeOf(must.M1(models.New(tt.spec))); got != tt.want {
				t.Errorf("SizeOf = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// The largest MLP the limits allow has a size float64 counts without
// overflowing, and building nothing to count it.
func TestSizeOfTheLargestModel(t *testing.T) {
	hidden := slices.Repeat([]int{models.MaxWidth}, models.MaxHiddenLayers)
	m := must.M1(models.New(models.Spec{Name: models.MLP, Hidden: hidden, Activation: "maxout", MaxoutPieces: models.MaxMaxoutPieces}))
	s := models.SizeOf(m)
	if s.Params < 4e15 || s.MultiplyAdds < 4e15 {
		t.Errorf("SizeOf = %+v; want over 4e15 parameters and multiply-adds (64 layers of 2^20 units of 64 pieces)", s)
	}
}

// Each kind says what its outputs are: the perceptron's are steps without
// a confidence, an MLP's follow its loss.
func TestOutputs(t *testing.T) {
	for _, tt := range []struct {
		spec       models.Spec
		want       models.Outputs
		confidence bool
	}{
		{models.Spec{Name: models.Perceptron}, models.OutputStep, false},
		{models.Spec{Name: models.MLP, Loss: models.LossSoftmaxCE}, models.OutputSoftmax, true},
		{models.Spec{Name: models.MLP, Loss: models.LossSigmoidBCE}, models.OutputSigmoid, true},
		{models.Spec{Name: models.MLP, Loss: models.LossMSE}, models.OutputClipped, true},
	} {
		t.Run(fmt.Sprintf("%s has %s outputs", tt.spec.Name+" "+tt.spec.Loss, tt.want), func(t *testing.T) {
			o := must.M1(models.New(tt.spec)).Outputs()
			if o != tt.want || o.HasConfidence() != tt.confidence || o.Description() == string(o) {
				t.Errorf("outputs %q (confidence %v, %q); want %q (confidence %v) with a description", o, o.HasConfidence(), o.Description(), tt.want, tt.confidence)
			}
		})
	}
}
