// Package models defines the networks neurona trains, each one a GoMLX
// computation graph: Rosenblatt's perceptron and multi-layer perceptrons.
//
// A model is described by a Spec (what the user chose on the command line),
// validated and turned into a Model by New, through its Kind (kind.go; one
// file per kind: perceptron.go, mlp.go). The Model describes its layers
// from the spec alone (Layers; ParamsOf and SizeOf count from them, so no
// graph is built to size a model) and what its outputs are (Outputs), and
// builds the forward graph (pixels in [0,1] to one score per class) and the
// matching training loss. Validation errors wrap ErrSpec; one about a
// setting is a field.Error naming its key, never a flag. The gradients are GoMLX's
// autodiff's; only a dense layer's product gives autodiff its two
// gradients, each written in the layout it is used in (dense.go: the
// perceptron's step is 4.4x faster with them on GoMLX's Go backend).
// Spec.Layout chooses how an MLP stores its weights.
//
// A model computes in the dtype of its input: float32, or bfloat16 for
// mixed precision. Its variables are float32 either way (MasterDType):
// the graph converts them to the input's dtype, and autodiff converts their
// gradients back, so that the optimizer updates float32 weights and a
// checkpoint holds the same arrays whichever precision trained it.
//
//	m, err := models.New(models.Spec{Name: "mlp", Hidden: []int{512, 512}})
//	// inside a GoMLX graph function:
//	scores := m.Scores(scope, x)           // [batch, 10]
//	loss := m.Loss(scores, labels)         // scalar mean over the batch
package models
