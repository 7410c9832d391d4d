package models_test

import (
	"fmt"

	"github.com/neurona/neurona/models"
)

// ExampleNew builds the two models from their specs; the unset fields
// take their defaults (MNIST's 784 inputs and 10 classes, ReLU, softmax
// cross-entropy), which the model's Spec reports.
func ExampleNew() {
	for _, spec := range []models.Spec{
		{Name: models.Perceptron},
		{Name: models.MLP, Hidden: []int{128, 64}},
	} {
		m, err := models.New(spec)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(m.Spec())
	}
	// Output:
	// perceptron 784-10
	// mlp 784-128-64-10 relu softmax_ce
}

// ExampleSizeOf sizes a model from its spec alone: its layers, the
// variables its graph will create, and what it costs per example.
func ExampleSizeOf() {
	m, err := models.New(models.Spec{Name: models.MLP, Hidden: []int{64}, Layout: models.LayoutOutputsInputs})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, l := range m.Layers() {
		fmt.Printf("%s: %d -> %d %s %q\n", l.Name, l.Inputs, l.Outputs, l.Layout, l.Activation)
	}
	params, total := models.ParamsOf(m)
	fmt.Println(params[0], total)
	size := models.SizeOf(m)
	fmt.Printf("%.0f multiply-adds, %.0f values kept per example; outputs: %s\n", size.MultiplyAdds, size.Activations, m.Outputs())
	// Output:
	// hidden_0: 784 -> 64 outputs_inputs "relu"
	// output: 64 -> 10 outputs_inputs ""
	// {/hidden_0/dense/weights [64 784]} 50890
	// 50816 multiply-adds, 932 values kept per example; outputs: softmax
}
