package config

import (
	"errors"
	"testing"

	"github.com/neurona/neurona/data"
	"github.com/neurona/neurona/models"
)

func TestFitData(t *testing.T) {
	// 12x10 images of 3 classes.
	m := &data.MNIST{Dir: "/x", Train: &data.Set{N: 1, Rows: 12, Cols: 10}, Classes: data.Classes{N: 3}}
	tests := []struct {
		name            string
		inputs, classes int // the model's before FitData
		classesInData   int
		wantErr         bool
	}{
		{"zero takes the data's", 0, 0, 3, false},
		{"matching values are kept", 120, 3, 3, false},
		{"other inputs are refused", 784, 0, 3, true},
		{"other classes are refused", 0, 10, 3, true},
		{"one class cannot train", 0, 0, 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m.Classes.N = tt.classesInData
			c := Defaults(models.MLP)
			c.Model.Inputs, c.Model.Classes = tt.inputs, tt.classes
			err := c.FitData(m)
			if tt.wantErr {
				if !errors.Is(err, ErrConfig) {
					t.Fatalf("FitData = %v, want an ErrConfig", err)
				}
				return
			}
			if err != nil || c.Model.Inputs != 120 || c.Model.Classes != 3 {
				t.Fatalf("FitData = %v, model %d inputs %d classes; want 120 and 3", err, c.Model.Inputs, c.Model.Classes)
			}
		})
	}
}
