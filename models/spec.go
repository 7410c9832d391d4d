package models

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/neurona/neurona/internal/field"
	"github.com/neurona/neurona/internal/human"
)

// Model names accepted by New.
const (
	Perceptron = "perceptron"
	MLP        = "mlp"
)

// Activations for the hidden layers of an MLP.
var Activations = []string{"relu", "leaky_relu", "sigmoid", "tanh", "linear", "maxout"}

// Output layer and loss pairs of an MLP (the perceptron has its own criterion).
const (
	LossSoftmaxCE  = "softmax_ce"  // softmax + categorical cross-entropy
	LossSigmoidBCE = "sigmoid_bce" // sigmoid + binary cross-entropy, one-vs-rest
	LossMSE        = "mse"         // linear + mean squared error on one-hot targets
	LossPerceptron = "perceptron"  // max(0, -y·z), the perceptron criterion
)

// Losses lists the output/loss pairs an MLP accepts.
var Losses = []string{LossSoftmaxCE, LossSigmoidBCE, LossMSE}

// LossMeaning says what a loss of Losses pairs: its output layer and its
// criterion, e.g. "softmax + categorical cross-entropy".
func LossMeaning(loss string) string {
	switch loss {
	case LossSoftmaxCE:
		return "softmax + categorical cross-entropy"
	case LossSigmoidBCE:
		return "sigmoid + binary cross-entropy (one-vs-rest)"
	case LossMSE:
		return "linear + mean squared error on one-hot targets"
	case LossPerceptron:
		return "the perceptron criterion max(0, -y·z) per class"
	}
	return ""
}

// Layouts of an MLP's weight matrices (Spec.Layout).
const (
	// LayoutInputsOutputs stores each dense layer's weights as [inputs,
	// outputs], as GoMLX's layers.Dense does. It is what "" means: every MLP
	// checkpoint written before neurona chose LayoutOutputsInputs has it.
	LayoutInputsOutputs = "inputs_outputs"
	// LayoutOutputsInputs stores them as [outputs, inputs], one row per
	// unit (the perceptron's layout). On GoMLX's Go backend its training
	// step moves fewer values into the layouts the matrix products take
	// (see denseLayer.gradients), so config.Defaults uses it.
	LayoutOutputsInputs = "outputs_inputs"
)

// Limits of an MLP's shape. Beyond them a model does not fit in any
// machine this engine runs on, or takes minutes to compile (thousands of
// layers); memory is then checked against the machine by
// train.CheckMemory.
const (
	MaxHiddenLayers = 64      // hidden layers at most
	MaxWidth        = 1 << 20 // units per hidden layer at most (1048576)
	MaxMaxoutPieces = 64      // linear pieces per maxout unit at most
)

// ErrSpec is wrapped by every validation error of a Spec. An error about
// one setting is a *field.Error naming it by its key ("hidden",
// "activation", "maxout-pieces", "loss", "model", "layout").
var ErrSpec = errors.New("models: invalid model spec")

// Spec is what the user chose: the model and its shape. The zero values of
// the optional fields mean "the default" (see Normalize).
type Spec struct {
	Name         string `json:"name"`
	Inputs       int    `json:"inputs"`                  // features per example; 784 for MNIST
	Classes      int    `json:"classes"`                 // 10 for MNIST
	Hidden       []int  `json:"hidden,omitempty"`        // MLP hidden layer widths
	Activation   string `json:"activation,omitempty"`    // MLP hidden activation
	MaxoutPieces int    `json:"maxout_pieces,omitempty"` // linear pieces per maxout unit
	Loss         string `json:"loss"`                    // output layer and loss
	// Layout is how an MLP stores its weight matrices: "" (the same as
	// LayoutInputsOutputs) or LayoutOutputsInputs. The perceptron's is fixed.
	Layout string `json:"layout,omitempty"`
}

// Normalize fills defaults and checks every field, returning an error that
// says what is wrong and what is accepted.
func (s Spec) Normalize() (Spec, error) {
	if s.Inputs == 0 {
		s.Inputs = 28 * 28
	}
	if s.Classes == 0 {
		s.Classes = 10
	}
	if s.Inputs < 0 || s.Classes < 2 {
		// Not a field.Error: the data sets them, not a setting.
		return s, fmt.Errorf("%w: %d inputs and %d classes (need inputs > 0, classes >= 2)", ErrSpec, s.Inputs, s.Classes)
	}
	kind, err := Lookup(s.Name)
	if err != nil {
		return s, err
	}
	return kind.Normalize(s)
}

// String describes the architecture, e.g. "mlp 784-512-512-10 relu
// softmax_ce", "mlp 784-10 mse" (no hidden layer: no activation) or
// "perceptron 784-10".
func (s Spec) String() string {
	dims := []string{strconv.Itoa(s.Inputs)}
	for _, h := range s.Hidden {
		dims = append(dims, strconv.Itoa(h))
	}
	dims = append(dims, strconv.Itoa(s.Classes))
	out := s.Name + " " + strings.Join(dims, "-")
	// The activation only where a hidden layer uses it; the loss unless it
	// is the model's own (the perceptron's criterion is "perceptron").
	if s.Activation != "" && len(s.Hidden) > 0 {
		out += " " + s.Activation
		if s.MaxoutPieces > 0 {
			out += fmt.Sprintf("(%d pieces)", s.MaxoutPieces)
		}
	}
	if s.Loss != "" && s.Loss != s.Name {
		out += " " + s.Loss
	}
	return out
}

// ParseHidden parses a comma-separated list of layer widths such as
// "512,512". An empty string means no hidden layer. Its errors are
// field.Errors about "hidden" wrapping ErrSpec.
func ParseHidden(text string) ([]int, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return []int{}, nil
	}
	parts := strings.Split(text, ",")
	if len(parts) > MaxHiddenLayers {
		return nil, field.Errorf("hidden", human.Quote(text), "%d layers (at most %d)", len(parts), MaxHiddenLayers).Wrapping(ErrSpec)
	}
	out := make([]int, 0, len(parts))
	for _, p := range parts {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || n <= 0 || n > MaxWidth {
			return nil, field.Errorf("hidden", human.Quote(text), "%s is not a layer width (want widths of 1 to %d separated by commas, e.g. 512,512)",
				human.Quote(p), MaxWidth).Wrapping(ErrSpec)
		}
		out = append(out, n)
	}
	return out, nil
}

// widths writes layer widths as ParseHidden reads them.
func widths(hidden []int) string {
	parts := make([]string, len(hidden))
	for i, h := range hidden {
		parts[i] = strconv.Itoa(h)
	}
	return strings.Join(parts, ",")
}

// UnmarshalJSON reads a spec as neurona saves it (meta.json, summary.json):
// normalized, so an MLP's hidden widths are always there, and an MLP saved
// without them (omitempty drops an empty list) has no hidden layers. Read
// with Go's default rule it would come back as the default 512,512 and no
// longer match its own weights.
func (s *Spec) UnmarshalJSON(b []byte) error {
	type plain Spec // without this method
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	if p.Name == MLP && p.Hidden == nil {
		p.Hidden = []int{}
	}
	*s = Spec(p)
	return nil
}
