package models

import (
	"slices"
	"strings"

	"github.com/neurona/neurona/internal/field"
	"github.com/neurona/neurona/internal/human"
)

// Kind is one kind of model: everything neurona knows about it lives with
// its type and its Model's (the fields of Spec it reads and their
// defaults, the configuration keys that apply to it, the recipe it trains
// best with; its layers, and from them its parameters and size; what its
// outputs are; its graph). Nothing outside models switches on a kind's
// name: it asks the kind or the model. Adding a kind is a file with a type
// that implements Kind and one that implements Model, and one line in
// kinds.
type Kind interface {
	// Name is the kind's name on the command line and in saved specs.
	Name() string
	// Normalize fills the defaults of the Spec fields the kind reads, clears
	// the ones it does not, and checks them. Inputs and Classes are checked
	// before (Spec.Normalize).
	Normalize(s Spec) (Spec, error)
	// Uses tells whether a configuration key (a flag's name, as
	// "hidden", "activation", "loss", "average") applies to the kind.
	Uses(key string) bool
	// Recipe is the training recipe recommended for the kind.
	Recipe() Recipe
	// New returns the model of a normalized spec.
	New(s Spec) Model
}

// Recipe is how a kind trains by default (config.Defaults starts from it):
// the values chosen for it by validation accuracy (docs/performance.md).
type Recipe struct {
	Optimizer string
	LR        float64
	BatchSize int
	Epochs    int
	Schedule  string
	Warmup    float64 // epochs of linear warm-up
	Tol       float64 // with NoChange: stop when the training loss stalls (0: off)
	NoChange  int
	// RestoreBest tests the epoch with the best validation accuracy.
	RestoreBest bool
	// Average evaluates with the weights averaged over every step.
	Average bool
	// Layout is the weight layout new models of the kind take.
	Layout string
}

// kinds are the registered kinds, in the order `neurona models` lists them.
var kinds = []Kind{perceptronKind{}, mlpKind{}}

// Kinds returns the registered kinds in the order `neurona models` lists them.
func Kinds() []Kind { return slices.Clone(kinds) }

// Names returns the registered kinds' names, in order.
func Names() []string {
	names := make([]string, len(kinds))
	for i, k := range kinds {
		names[i] = k.Name()
	}
	return names
}

// Lookup returns the kind called name, or a field.Error about "model"
// wrapping ErrSpec that lists the accepted names.
func Lookup(name string) (Kind, error) {
	for _, k := range kinds {
		if k.Name() == name {
			return k, nil
		}
	}
	if name == "" {
		return nil, field.Errorf("model", "", "no model given (accepted: %s)", strings.Join(Names(), ", ")).Wrapping(ErrSpec)
	}
	return nil, field.Errorf("model", human.Quote(name), "accepted: %s", strings.Join(Names(), ", ")).Wrapping(ErrSpec)
}
