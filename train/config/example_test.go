package config_test

import (
	"errors"
	"fmt"

	"github.com/neurona/neurona/internal/field"
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

// Validate names the setting that is wrong by its key, with its value and
// the problem; each front end says it its way (the command line: --lr 0).
func ExampleConfig_Validate() {
	cfg := config.Defaults(models.MLP)
	cfg.LR = 0
	err := cfg.Validate()
	if fe, ok := field.As(err); ok {
		fmt.Printf("key %s, value %s: %s\n", fe.Key, fe.Value, fe.Problem)
	}
	fmt.Println(errors.Is(err, config.ErrConfig))
	// Output:
	// key lr, value 0: must be a number > 0
	// true
}

// Each setting is declared once, in Fields: its flag, config file key,
// help and rules come from the declaration.
func ExampleLookup() {
	f, _ := config.Lookup("batch-size")
	fmt.Println(f.Group, "|", f.Type(), "|", f.Accepts, "| resume may change it:", f.Resume)
	fmt.Println(f.HelpText(func(key string) string { return "--" + key }))
	// Output:
	// Optimization | int | 1 to 1048576 | resume may change it: false
	// examples per training step
}
