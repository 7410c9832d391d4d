package models_test

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/gobackend"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"
	"github.com/janpfeifer/must"
	"github.com/neurona/neurona/models"
)

// goBackend is the pure-Go backend, which needs no install, shared by the
// tests of this file.
var goBackend = sync.OnceValue(func() compute.Backend { return must.M1(gobackend.New("")) })

// sgd is the optimizer neurona uses for --optimizer sgd without momentum
// (train.newOptimizer): GoMLX's SGD without its 1/sqrt(step) decay.
func sgd(lr float64) optimizer.Interface {
	return optimizer.StochasticGradientDescent().WithDecay(false).WithLearningRate(lr).Done()
}

// tinyBatch returns 4 MNIST-shaped examples with pixels in [0,1] and labels.
func tinyBatch() (x, y *tensors.Tensor) {
	const batch, inputs = 4, 28 * 28
	pixels := make([]float32, batch*inputs)
	for i := range pixels {
		pixels[i] = float32((i*37)%256) / 255
	}
	return tensors.FromFlatDataAndDimensions(pixels, batch, inputs), tensors.FromValue([]int32{0, 3, 7, 9})
}

func finite(v float32) bool { return !math.IsNaN(float64(v)) && !math.IsInf(float64(v), 0) }

// TestModelsRun builds every model (each activation with each loss, and the
// perceptron), runs it on a tiny batch and takes two SGD steps: scores are
// [batch, 10], the loss a finite scalar that a small step lowers, the
// probabilities in [0, 1].
func TestModelsRun(t *testing.T) {
	type variant struct {
		name string
		spec models.Spec
	}
	variants := []variant{{"perceptron", models.Spec{Name: models.Perceptron}}}
	for _, act := range models.Activations {
		for _, loss := range models.Losses {
			variants = append(variants, variant{
				fmt.Sprintf("mlp with %s and %s", act, loss),
				models.Spec{Name: models.MLP, Hidden: []int{16, 8}, Activation: act, Loss: loss},
			})
		}
	}
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			m, err := models.New(v.spec)
			if err != nil {
				t.Fatal(err)
			}
			store := model.NewStore()
			if err := store.SetRNGStateFromSeed(1); err != nil {
				t.Fatal(err)
			}
			opt := sgd(0.01)
			exec := must.M1(model.NewExec(goBackend(), store, func(scope *model.Scope, x, y *graph.Node) (scores, loss, probs *graph.Node) {
				scores = m.Scores(scope, x)
				loss = m.Loss(scores, y)
				opt.UpdateGraph(scope, x.Graph(), loss)
				return scores, loss, m.Probabilities(scores)
			}))
			defer exec.Finalize()
			x, y := tinyBatch()

			out := must.M1(exec.Call(x, y))
			scores, loss, probs := out[0], out[1], out[2]
			if want := []int{4, 10}; !slices.Equal(scores.Shape().Dimensions, want) || scores.Shape().DType != dtypes.Float32 {
				t.Errorf("scores shape %s, want (Float32)%v", scores.Shape(), want)
			}
			if !slices.Equal(probs.Shape().Dimensions, scores.Shape().Dimensions) {
				t.Errorf("probabilities shape %s, want that of the scores %s", probs.Shape(), scores.Shape())
			}
			if !loss.Shape().IsScalar() {
				t.Fatalf("loss shape %s, want a scalar", loss.Shape())
			}
			loss0 := tensors.ToScalar[float32](loss)
			if !finite(loss0) || loss0 < 0 {
				t.Errorf("loss %g, want finite and >= 0", loss0)
			}
			for _, s := range tensors.MustCopyFlatData[float32](scores) {
				if !finite(s) {
					t.Fatalf("a score is %g", s)
				}
			}
			p := tensors.MustCopyFlatData[float32](probs)
			for i, pi := range p {
				if !(pi >= 0 && pi <= 1) {
					t.Fatalf("probability %d is %g, want in [0, 1]", i, pi)
				}
			}
			if v.spec.Loss == models.LossSoftmaxCE {
				for r := range 4 {
					var sum float64
					for _, pi := range p[r*10 : (r+1)*10] {
						sum += float64(pi)
					}
					if math.Abs(sum-1) > 1e-5 {
						t.Errorf("softmax row %d sums to %g", r, sum)
					}
				}
			}

			loss1 := tensors.ToScalar[float32](must.M1(exec.Call(x, y))[1])
			if v.spec.Name == models.Perceptron {
				// From zero weights every margin is 0, a mistake of loss 0;
				// after the step all four examples' margins are nonzero.
				if loss0 != 0 || !finite(loss1) {
					t.Errorf("perceptron losses %g then %g, want 0 then finite", loss0, loss1)
				}
				return
			}
			if !(loss1 < loss0) {
				t.Errorf("an SGD step of 0.01 took the batch's loss from %g to %g", loss0, loss1)
			}
		})
	}
}

// TestPerceptronStepIsThePerceptronRule takes SGD steps of rate 1 from zero
// weights, with the objective train builds (the loss times the batch size
// when models.SumsOverBatch), and checks the weights against the batch
// perceptron rule w_c <- w_c + Σ_b y_bc·x_b over the mistakes.
//
// The loss is ReduceAllMean over the batch of Σ_c -y_bc·z_bc on the mistakes
// (y·z <= 0), so its gradient with respect to W_c is -Σ_b y_bc·x_b / batch;
// times the batch size, one step is the summed rule, and with batch 1 the
// online rule exactly. From zero weights every margin is 0, so every class
// of every example is a mistake.
func TestPerceptronStepIsThePerceptronRule(t *testing.T) {
	const inputs, classes = 784, 10
	examples := [][]float32{make([]float32, inputs), make([]float32, inputs)}
	for i := range inputs {
		examples[0][i] = float32(i%29) / 28
		examples[1][i] = float32((i*13)%17) / 16
	}
	tests := []struct {
		name   string
		batch  []int   // indices into examples
		labels []int32 // one per batch entry
	}{
		{"one example moves its class toward x and the others away, by x", []int{0}, []int32{3}},
		{"a batch of two adds the rule of each example", []int{0, 1}, []int32{3, 8}},
		{"a batch of two of the same class", []int{0, 1}, []int32{5, 5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := must.M1(models.New(models.Spec{Name: models.Perceptron}))
			if !models.SumsOverBatch(m) {
				t.Fatal("the perceptron does not sum over the batch")
			}
			store := model.NewStore()
			opt := sgd(1)
			exec := must.M1(model.NewExec(goBackend(), store, func(scope *model.Scope, x, y *graph.Node) *graph.Node {
				loss := m.Loss(m.Scores(scope, x), y)
				// As train's step does for models that sum over the batch.
				opt.UpdateGraph(scope, x.Graph(), graph.MulScalar(loss, float64(x.Shape().Dimensions[0])))
				return loss
			}))
			defer exec.Finalize()
			flat := make([]float32, 0, len(tt.batch)*inputs)
			for _, b := range tt.batch {
				flat = append(flat, examples[b]...)
			}
			x := tensors.FromFlatDataAndDimensions(flat, len(tt.batch), inputs)
			y := tensors.FromFlatDataAndDimensions(tt.labels, len(tt.labels))

			if loss := tensors.ToScalar[float32](must.M1(exec.Call(x, y))[0]); loss != 0 {
				t.Errorf("loss at zero weights %g, want 0", loss)
			}
			weights := tensors.MustCopyFlatData[float32](store.GetVariable("/perceptron/dense/weights").MustValue())
			biases := tensors.MustCopyFlatData[float32](store.GetVariable("/perceptron/dense/biases").MustValue())
			wantW := make([]float64, classes*inputs)
			wantB := make([]float64, classes)
			for c := range classes {
				for k, b := range tt.batch {
					yc := -1.0
					if int(tt.labels[k]) == c {
						yc = 1
					}
					wantB[c] += yc
					for i := range inputs {
						wantW[c*inputs+i] += yc * float64(examples[b][i])
					}
				}
				if got := float64(biases[c]); math.Abs(got-wantB[c]) > 1e-5 {
					t.Errorf("bias %d is %g, want %g", c, got, wantB[c])
				}
				for i := range inputs {
					if got, want := float64(weights[c*inputs+i]), wantW[c*inputs+i]; math.Abs(got-want) > 1e-5 {
						t.Fatalf("W[%d][%d] is %g, want %g", c, i, got, want)
					}
				}
			}

			// With these examples every margin is now positive (checked
			// here, in float64): no mistakes, so a second step must leave
			// the weights alone and report a loss of 0.
			for k, b := range tt.batch {
				for c := range classes {
					z := wantB[c]
					for i := range inputs {
						z += wantW[c*inputs+i] * float64(examples[b][i])
					}
					if yc := 2*b2f(int(tt.labels[k]) == c) - 1; yc*z <= 1e-3 {
						t.Fatalf("test data: example %d class %d has margin %g after one step", k, c, yc*z)
					}
				}
			}
			if loss := tensors.ToScalar[float32](must.M1(exec.Call(x, y))[0]); loss != 0 {
				t.Errorf("loss after one step %g, want 0", loss)
			}
			again := tensors.MustCopyFlatData[float32](store.GetVariable("/perceptron/dense/weights").MustValue())
			if !slices.Equal(again, weights) {
				t.Error("a step without mistakes changed the weights")
			}
		})
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// TestPerceptronLossGradient checks the criterion and its gradient with
// respect to the scores on hand-picked margins: positive ones are not
// mistakes, zero and negative ones are.
func TestPerceptronLossGradient(t *testing.T) {
	m := must.M1(models.New(models.Spec{Name: models.Perceptron, Inputs: 2, Classes: 3}))
	// Labels 0 and 2 give y = [[+1 -1 -1] [-1 -1 +1]]; the margins y·z are
	// [[0 2 0] [-0.5 -0.5 -1]], so the mistakes are all but (0, 1).
	scores := tensors.FromValue([][]float32{{0, -2, 0}, {0.5, 0.5, -1}})
	labels := tensors.FromValue([]int32{0, 2})
	out := graph.MustExecOnceN(goBackend(), func(z, y *graph.Node) (loss, grad, probs *graph.Node) {
		loss = m.Loss(z, y)
		return loss, graph.Gradient(loss, z)[0], m.Probabilities(z)
	}, scores, labels)

	// Loss: -y·z on the mistakes, summed over classes, averaged over the
	// 2 examples.
	if got, want := float64(tensors.ToScalar[float32](out[0])), ((0+0+0)+(0.5+0.5+1))/2.0; math.Abs(got-want) > 1e-6 {
		t.Errorf("loss %g, want %g", got, want)
	}
	// Gradient: -y/2 on the mistakes, 0 elsewhere.
	want := []float64{-0.5, 0, 0.5, 0.5, 0.5, -0.5}
	got := tensors.MustCopyFlatData[float32](out[1])
	for i := range want {
		if math.Abs(float64(got[i])-want[i]) > 1e-6 {
			t.Errorf("gradient %v, want %v", got, want)
			break
		}
	}
	// Probabilities: the step function, 1 where z > 0.
	if got, want := tensors.MustCopyFlatData[float32](out[2]), []float32{0, 0, 0, 1, 1, 0}; !slices.Equal(got, want) {
		t.Errorf("probabilities %v, want %v", got, want)
	}
}

func TestSumsOverBatch(t *testing.T) {
	for _, spec := range []models.Spec{{Name: models.Perceptron}, {Name: models.MLP}, {Name: models.MLP, Loss: models.LossMSE}} {
		m := must.M1(models.New(spec))
		if got, want := models.SumsOverBatch(m), spec.Name == models.Perceptron; got != want {
			t.Errorf("SumsOverBatch(%s) = %t, want %t", m.Spec(), got, want)
		}
	}
}

func TestActivate(t *testing.T) {
	in := []float32{-1, 0, 2}
	sigmoid := func(v float64) float64 { return 1 / (1 + math.Exp(-v)) }
	tests := []struct {
		name string
		want []float64
	}{
		{"relu", []float64{0, 0, 2}},
		{"leaky_relu", []float64{-0.01, 0, 2}},
		{"sigmoid", []float64{sigmoid(-1), 0.5, sigmoid(2)}},
		{"tanh", []float64{math.Tanh(-1), 0, math.Tanh(2)}},
		{"linear", []float64{-1, 0, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name+" at -1, 0 and 2", func(t *testing.T) {
			out := graph.MustExecOnce(goBackend(), func(x *graph.Node) *graph.Node { return models.Activate(tt.name, x) }, in)
			got := tensors.MustCopyFlatData[float32](out)
			for i := range tt.want {
				if math.Abs(float64(got[i])-tt.want[i]) > 1e-6 {
					t.Errorf("%s(%v) = %v, want %v", tt.name, in, got, tt.want)
					break
				}
			}
		})
	}
	for _, name := range []string{"maxout", "swish"} {
		t.Run(name+" has no pointwise form", func(t *testing.T) {
			// Built on a bare graph, not through an Exec: a panic while an
			// Exec compiles leaves its compilation pending in GoMLX v0.28.2,
			// and Exec.Finalize then waits for it forever.
			g := graph.NewGraph(goBackend(), "activate")
			defer g.Finalize()
			x := graph.Parameter(g, "x", shapes.Make(dtypes.Float32, 3))
			msg := func() (msg string) {
				defer func() { msg = fmt.Sprint(recover()) }()
				models.Activate(name, x)
				return
			}()
			if !strings.Contains(msg, "no pointwise form") {
				t.Errorf("Activate(%q) panicked with %q, want a message saying it has no pointwise form", name, msg)
			}
		})
	}
}

// relu's gradient, given to autodiff as one select, is the gradient GoMLX
// gives Max(x, 0): the incoming gradient where x >= 0 (at 0 too), else 0.
func TestReluGradientIsMaxs(t *testing.T) {
	in := []float32{-2, -0.5, 0, 0.5, 3, float32(math.Inf(1)), float32(math.Inf(-1))}
	weights := []float32{1, -2, 3, -4, 5, 6, 7} // a gradient of each sign arriving
	gradient := func(f func(*graph.Node) *graph.Node) []float32 {
		out := graph.MustExecOnce(goBackend(), func(x, w *graph.Node) *graph.Node {
			return graph.Gradient(graph.ReduceAllSum(graph.Mul(f(x), w)), x)[0]
		}, in, weights)
		return tensors.MustCopyFlatData[float32](out)
	}
	got := gradient(func(x *graph.Node) *graph.Node { return models.Activate("relu", x) })
	want := gradient(func(x *graph.Node) *graph.Node { return graph.Max(x, graph.ZerosLike(x)) })
	if !slices.Equal(got, want) {
		t.Errorf("relu's gradient at %v: %v, GoMLX's Max(x, 0) gives %v", in, got, want)
	}
}

func TestPredict(t *testing.T) {
	scores := tensors.FromValue([][]float32{{0.1, 0.9, 0.3}, {2, 1, 0}, {-3, -1, -2}})
	out := graph.MustExecOnce(goBackend(), models.Predict, scores)
	if out.Shape().DType != dtypes.Int32 {
		t.Errorf("Predict gives %s, want Int32", out.Shape())
	}
	if got, want := tensors.MustCopyFlatData[int32](out), []int32{1, 0, 1}; !slices.Equal(got, want) {
		t.Errorf("Predict = %v, want %v", got, want)
	}
}
