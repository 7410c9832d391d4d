package models_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/janpfeifer/must"
	"github.com/neurona/neurona/models"
)

// TestModelsComputeInBFloat16WithFloat32Weights builds every model on a
// bfloat16 input, as a run with --precision bf16 does: the scores come out
// in bfloat16 and close to the float32 scores of the same weights; the
// variables, and so what an SGD step updates, stay float32
// (models.MasterDType); and a step on the loss of the bfloat16 scores
// lowers the loss.
func TestModelsComputeInBFloat16WithFloat32Weights(t *testing.T) {
	type variant struct {
		name string
		spec models.Spec
	}
	variants := []variant{{"perceptron", models.Spec{Name: models.Perceptron}}}
	for _, act := range models.Activations {
		for _, loss := range models.Losses {
			variants = append(variants, variant{fmt.Sprintf("mlp with %s and %s", act, loss),
				models.Spec{Name: models.MLP, Hidden: []int{16, 8}, Activation: act, Loss: loss}})
		}
	}
	for _, v := range variants {
		spec := v.spec
		t.Run(v.name, func(t *testing.T) {
			m, err := models.New(spec)
			if err != nil {
				t.Fatal(err)
			}
			store := model.NewStore()
			if err := store.SetRNGStateFromSeed(1); err != nil {
				t.Fatal(err)
			}
			opt := sgd(0.01)
			var scoresDType dtypes.DType
			exec := must.M1(model.NewExec(goBackend(), store, func(scope *model.Scope, x, y *graph.Node) (half, full, loss *graph.Node) {
				half = m.Scores(scope, graph.ConvertDType(x, dtypes.BFloat16))
				scoresDType = half.DType()
				half = graph.ConvertDType(half, dtypes.Float32)
				full = m.Scores(store.RootScope(), x) // the same variables, in float32
				loss = m.Loss(half, y)
				opt.UpdateGraph(scope, x.Graph(), loss)
				return half, full, loss
			}))
			defer exec.Finalize()
			x, y := tinyBatch()
			out := must.M1(exec.Call(x, y))
			if scoresDType != dtypes.BFloat16 {
				t.Fatalf("scores of a bfloat16 input are %s", scoresDType)
			}
			half := tensors.MustCopyFlatData[float32](out[0])
			full := tensors.MustCopyFlatData[float32](out[1])
			for i := range full {
				// bfloat16 keeps 8 bits of mantissa: a relative error of
				// 2^-8 per rounding, a few roundings deep.
				if diff := math.Abs(float64(half[i] - full[i])); diff > 0.05*(1+math.Abs(float64(full[i]))) {
					t.Fatalf("score %d is %g in bfloat16, %g in float32", i, half[i], full[i])
				}
			}
			for v := range store.IterVariables() {
				if v.Shape().DType != dtypes.Float32 && v.Trainable {
					t.Errorf("variable %s is %s, want float32 (the master weights)", v.Path(), v.Shape().DType)
				}
			}
			loss0 := tensors.ToScalar[float32](out[2])
			loss1 := tensors.ToScalar[float32](must.M1(exec.Call(x, y))[2])
			if spec.Name == models.Perceptron {
				if loss0 != 0 || !finite(loss1) { // from zero weights, as in TestModelsRun
					t.Errorf("perceptron losses %g then %g, want 0 then finite", loss0, loss1)
				}
				return
			}
			if !(loss1 < loss0) {
				t.Errorf("an SGD step of 0.01 on the bfloat16 scores took the batch's loss from %g to %g", loss0, loss1)
			}
		})
	}
}
