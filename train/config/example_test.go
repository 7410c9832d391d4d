package config_test

import (
	"fmt"

	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train/config"
)

// Each model's default recipe in a line, as train and bench print it.
func ExampleConfig_Recipe() {
	fmt.Println(config.Defaults(models.MLP).Recipe())
	fmt.Println(config.Defaults(models.Perceptron).Recipe())
	// Output:
	// adam lr 0.006, 0.5-epoch warm-up, cosine schedule
	// sgd lr 1, constant schedule, averaged weights
}
