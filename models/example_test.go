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
