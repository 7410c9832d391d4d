package export_test

import (
	"archive/zip"
	"bytes"
	"fmt"

	"github.com/neurona/neurona/internal/export"
	"github.com/neurona/neurona/models"
)

// An MLP's weights as an npz archive: one .npy array per weight matrix and
// bias vector, the matrices [inputs, outputs].
func ExampleNPZ() {
	hidden := models.Layer{Op: models.OpDense, Name: "hidden_0", Inputs: 2, Outputs: 3, Activation: "relu"}
	output := models.Layer{Op: models.OpDense, Name: "output", Inputs: 3, Outputs: 2}
	m := &export.Model{
		Spec:    models.Spec{Name: models.MLP, Inputs: 2, Classes: 2, Hidden: []int{3}},
		Outputs: models.OutputSoftmax,
		Layers: []export.Layer{
			{Layer: hidden, W: make([]float32, 6), B: make([]float32, 3)},
			{Layer: output, W: make([]float32, 6), B: make([]float32, 2)},
		},
	}
	b, err := export.NPZ(m)
	if err != nil {
		fmt.Println(err)
		return
	}
	r, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range r.File {
		fmt.Println(f.Name)
	}
	// Output:
	// hidden_0.weights.npy
	// hidden_0.biases.npy
	// output.weights.npy
	// output.biases.npy
}
