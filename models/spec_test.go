package models_test

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/neurona/neurona/internal/field"
	"github.com/neurona/neurona/models"
)

func TestSpecNormalizeFillsDefaults(t *testing.T) {
	tests := []struct {
		name string
		in   models.Spec
		want models.Spec
	}{
		{"an empty mlp gets MNIST sizes, two layers of 512, relu and softmax_ce",
			models.Spec{Name: models.MLP},
			models.Spec{Name: models.MLP, Inputs: 784, Classes: 10, Hidden: []int{512, 512}, Activation: "relu", Loss: models.LossSoftmaxCE}},
		{"an empty perceptron gets MNIST sizes and its own criterion",
			models.Spec{Name: models.Perceptron},
			models.Spec{Name: models.Perceptron, Inputs: 784, Classes: 10, Loss: models.LossPerceptron}},
		{"the perceptron drops an activation and maxout pieces it has no use for",
			models.Spec{Name: models.Perceptron, Activation: "tanh", MaxoutPieces: 3},
			models.Spec{Name: models.Perceptron, Inputs: 784, Classes: 10, Loss: models.LossPerceptron}},
		{"an empty, non-nil hidden list means no hidden layer",
			models.Spec{Name: models.MLP, Hidden: []int{}},
			models.Spec{Name: models.MLP, Inputs: 784, Classes: 10, Hidden: []int{}, Activation: "relu", Loss: models.LossSoftmaxCE}},
		{"maxout gets two pieces by default",
			models.Spec{Name: models.MLP, Hidden: []int{64}, Activation: "maxout"},
			models.Spec{Name: models.MLP, Inputs: 784, Classes: 10, Hidden: []int{64}, Activation: "maxout", MaxoutPieces: 2, Loss: models.LossSoftmaxCE}},
		{"maxout keeps the pieces asked for",
			models.Spec{Name: models.MLP, Hidden: []int{64}, Activation: "maxout", MaxoutPieces: 4},
			models.Spec{Name: models.MLP, Inputs: 784, Classes: 10, Hidden: []int{64}, Activation: "maxout", MaxoutPieces: 4, Loss: models.LossSoftmaxCE}},
		{"other activations drop the maxout pieces",
			models.Spec{Name: models.MLP, Activation: "sigmoid", MaxoutPieces: 4, Loss: models.LossMSE},
			models.Spec{Name: models.MLP, Inputs: 784, Classes: 10, Hidden: []int{512, 512}, Activation: "sigmoid", Loss: models.LossMSE}},
		{"explicit sizes are kept",
			models.Spec{Name: models.MLP, Inputs: 4, Classes: 2, Hidden: []int{3}, Activation: "leaky_relu", Loss: models.LossSigmoidBCE},
			models.Spec{Name: models.MLP, Inputs: 4, Classes: 2, Hidden: []int{3}, Activation: "leaky_relu", Loss: models.LossSigmoidBCE}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.in.Normalize()
			if err != nil {
				t.Fatal(err)
			}
			if !specEqual(got, tt.want) {
				t.Fatalf("Normalize = %#v, want %#v", got, tt.want)
			}
			again, err := got.Normalize()
			if err != nil || !specEqual(again, got) {
				t.Errorf("Normalize is not idempotent: %#v, %v", again, err)
			}
			if _, err := models.New(tt.in); err != nil {
				t.Errorf("New rejects a spec Normalize accepts: %v", err)
			}
		})
	}
}

// specEqual compares specs, telling a nil Hidden from an empty one (nil
// means "the default layers", empty means "none").
func specEqual(a, b models.Spec) bool {
	return (a.Hidden == nil) == (b.Hidden == nil) && slices.Equal(a.Hidden, b.Hidden) &&
		a.Name == b.Name && a.Inputs == b.Inputs && a.Classes == b.Classes &&
		a.Activation == b.Activation && a.MaxoutPieces == b.MaxoutPieces && a.Loss == b.Loss
}

func TestSpecNormalizeRejects(t *testing.T) {
	tests := []struct {
		name string
		spec models.Spec
		key  string   // the setting the error names (field.Error's Key); "" for none
		want []string // in the error: what is wrong and what is accepted
	}{
		{"an unknown model", models.Spec{Name: "cnn"}, "model", []string{`model "cnn": accepted: perceptron, mlp`}},
		{"an empty model name", models.Spec{}, "model", []string{"no model given", "accepted: perceptron, mlp"}},
		{"negative inputs", models.Spec{Name: models.MLP, Inputs: -1}, "", []string{"-1 inputs", "inputs > 0"}},
		{"a single class", models.Spec{Name: models.MLP, Classes: 1}, "", []string{"1 classes", "classes >= 2"}},
		{"negative classes", models.Spec{Name: models.Perceptron, Classes: -3}, "", []string{"-3 classes"}},
		{"a perceptron with hidden layers", models.Spec{Name: models.Perceptron, Hidden: []int{10}}, "hidden", []string{"hidden 10: the perceptron has no hidden layers", "model mlp"}},
		{"a perceptron with an MLP loss", models.Spec{Name: models.Perceptron, Loss: models.LossMSE}, "loss", []string{`loss "mse": the perceptron trains with its own criterion`, "model mlp"}},
		{"a hidden width of zero", models.Spec{Name: models.MLP, Hidden: []int{512, 0}}, "hidden", []string{"hidden 512,0: 0 is not a layer width", "1 to 1048576"}},
		{"a negative hidden width", models.Spec{Name: models.MLP, Hidden: []int{-8}}, "hidden", []string{"-8 is not a layer width"}},
		{"an unknown activation", models.Spec{Name: models.MLP, Activation: "swish"}, "activation", []string{`activation "swish": accepted: relu, leaky_relu, sigmoid, tanh, linear, maxout`}},
		{"an unknown loss", models.Spec{Name: models.MLP, Loss: "hinge"}, "loss", []string{`loss "hinge": accepted: softmax_ce, sigmoid_bce, mse`}},
		{"the perceptron criterion on an mlp", models.Spec{Name: models.MLP, Loss: models.LossPerceptron}, "loss", []string{`"perceptron"`, "accepted: softmax_ce"}},
		{"an unknown weight layout", models.Spec{Name: models.MLP, Layout: "rows"}, "layout", []string{`layout "rows"`, "accepted: inputs_outputs, outputs_inputs"}},
		{"maxout with one piece", models.Spec{Name: models.MLP, Activation: "maxout", MaxoutPieces: 1}, "maxout-pieces", []string{"maxout-pieces 1: must be 2 to 64"}},
		{"a hidden width beyond the limit", models.Spec{Name: models.MLP, Hidden: []int{models.MaxWidth + 1}}, "hidden", []string{"1048577 is not a layer width", "1 to 1048576"}},
		{"more hidden layers than the limit", models.Spec{Name: models.MLP, Hidden: make65()}, "hidden", []string{"65 layers", "at most 64"}},
		{"more maxout pieces than the limit", models.Spec{Name: models.MLP, Activation: "maxout", MaxoutPieces: 65}, "maxout-pieces", []string{"maxout-pieces 65", "2 to 64"}},
		{"maxout with negative pieces", models.Spec{Name: models.MLP, Activation: "maxout", MaxoutPieces: -2}, "maxout-pieces", []string{"maxout-pieces -2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.spec.Normalize()
			if !errors.Is(err, models.ErrSpec) {
				t.Fatalf("Normalize error %v, want one wrapping ErrSpec", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "\n") || strings.Contains(err.Error(), "--") {
				t.Errorf("error %q spans several lines or names a flag", err)
			}
			fe, ok := field.As(err)
			switch {
			case tt.key == "" && ok:
				t.Errorf("error %q names the setting %q; the data sets inputs and classes", err, fe.Key)
			case tt.key != "" && (!ok || fe.Key != tt.key):
				t.Errorf("error %q: field %v, want one about %q", err, fe, tt.key)
			}
			if m, err := models.New(tt.spec); !errors.Is(err, models.ErrSpec) {
				t.Errorf("New = %v, %v; want an ErrSpec error", m, err)
			}
		})
	}
}

var parseHiddenTests = []struct {
	name string
	text string
	want []int // nil: an error
}{
	{"two layers", "512,512", []int{512, 512}},
	{"one layer", "64", []int{64}},
	{"spaces around widths are ignored", " 256 , 128 ,10 ", []int{256, 128, 10}},
	{"an empty string is no hidden layer", "", []int{}},
	{"blanks are no hidden layer", "  \t", []int{}},
	{"the largest width accepted is 2^20", "1048576", []int{1 << 20}},
	{"a leading plus sign is accepted", "+5", []int{5}},
	{"a width over 2^20 is rejected", "1048577", nil},
	{"64 layers, the most accepted", strings.TrimSuffix(strings.Repeat("8,", 64), ","), slices.Repeat([]int{8}, 64)},
	{"65 layers are rejected", strings.TrimSuffix(strings.Repeat("8,", 65), ","), nil},
	{"a width of zero is rejected", "512,0", nil},
	{"a negative width is rejected", "-1", nil},
	{"an empty item is rejected", "512,,x", nil},
	{"a trailing comma is rejected", "512,", nil},
	{"a leading comma is rejected", ",512", nil},
	{"a lone comma is rejected", ",", nil},
	{"a word is rejected", "abc", nil},
	{"a fraction is rejected", "1.5", nil},
	{"another separator is rejected", "512;512", nil},
	{"an integer overflowing int is rejected", "99999999999999999999", nil},
}

func TestParseHidden(t *testing.T) {
	for _, tt := range parseHiddenTests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := models.ParseHidden(tt.text)
			if tt.want == nil {
				if !errors.Is(err, models.ErrSpec) {
					t.Fatalf("ParseHidden(%q) = %v, %v; want an ErrSpec error", tt.text, got, err)
				}
				if fe, ok := field.As(err); !ok || fe.Key != "hidden" || strings.Contains(err.Error(), "--") ||
					!(strings.Contains(fe.Problem, "widths of 1 to 1048576 separated by commas") || strings.Contains(fe.Problem, "at most 64")) {
					t.Errorf("error %q is not about hidden, or does not say what it accepts", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseHidden(%q): %v", tt.text, err)
			}
			if got == nil || !slices.Equal(got, tt.want) {
				t.Errorf("ParseHidden(%q) = %#v, want %#v", tt.text, got, tt.want)
			}
		})
	}
}

// FuzzParseHidden checks that ParseHidden never panics, that it accepts only
// widths in 1..2^20, and that what it accepts, written back with commas,
// parses to the same layers.
func FuzzParseHidden(f *testing.F) {
	for _, tt := range parseHiddenTests {
		f.Add(tt.text)
	}
	f.Fuzz(func(t *testing.T, text string) {
		got, err := models.ParseHidden(text)
		if err != nil {
			if !errors.Is(err, models.ErrSpec) || got != nil {
				t.Fatalf("ParseHidden(%q) = %v, %v; a failure must return nil and wrap ErrSpec", text, got, err)
			}
			return
		}
		if got == nil {
			t.Fatalf("ParseHidden(%q) returned nil without an error", text)
		}
		if len(got) > models.MaxHiddenLayers {
			t.Fatalf("ParseHidden(%q) accepted %d layers", text, len(got))
		}
		parts := make([]string, len(got))
		for i, w := range got {
			if w < 1 || w > 1<<20 {
				t.Fatalf("ParseHidden(%q) accepted width %d", text, w)
			}
			parts[i] = strconv.Itoa(w)
		}
		joined := strings.Join(parts, ",")
		again, err := models.ParseHidden(joined)
		if err != nil || !slices.Equal(again, got) {
			t.Fatalf("ParseHidden(%q) = %v, but its re-joined %q parses to %v, %v", text, got, joined, again, err)
		}
		if _, err := (models.Spec{Name: models.MLP, Hidden: got}).Normalize(); err != nil {
			t.Fatalf("widths %v from ParseHidden(%q) make an invalid spec: %v", got, text, err)
		}
	})
}

func ExampleSpec_String() {
	for _, spec := range []models.Spec{
		{Name: models.Perceptron},
		{Name: models.MLP},
		{Name: models.MLP, Hidden: []int{256, 128}, Activation: "maxout"},
		{Name: models.MLP, Hidden: []int{}, Loss: models.LossMSE},
	} {
		spec, err := spec.Normalize()
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(spec)
	}
	// Output:
	// perceptron 784-10
	// mlp 784-512-512-10 relu softmax_ce
	// mlp 784-256-128-10 maxout(2 pieces) softmax_ce
	// mlp 784-10 mse
}

func ExampleParseHidden() {
	hidden, err := models.ParseHidden("512, 256")
	fmt.Println(hidden, err)
	_, err = models.ParseHidden("512,,x")
	fmt.Println(err)
	// Output:
	// [512 256] <nil>
	// models: invalid model spec: hidden "512,,x": "" is not a layer width (want widths of 1 to 1048576 separated by commas, e.g. 512,512)
}

// make65 is 65 hidden layers of width 8, one more than models.MaxHiddenLayers.
func make65() []int {
	h := make([]int, models.MaxHiddenLayers+1)
	for i := range h {
		h[i] = 8
	}
	return h
}
