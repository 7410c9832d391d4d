package models

import (
	"encoding/json"
	"slices"
	"testing"
)

// An MLP without hidden layers (--hidden "") is saved without the field
// (omitempty); read back, it must stay without hidden layers, not become
// the default 512,512 (which no longer matches its weights).
func TestSavedSpecKeepsNoHiddenLayers(t *testing.T) {
	for _, tc := range []struct {
		name string
		spec Spec
		want []int
	}{
		{"an MLP without hidden layers", Spec{Name: MLP, Hidden: []int{}}, []int{}},
		{"an MLP with two", Spec{Name: MLP, Hidden: []int{8, 4}}, []int{8, 4}},
		{"the perceptron", Spec{Name: Perceptron}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			norm, err := tc.spec.Normalize()
			if err != nil {
				t.Fatal(err)
			}
			b, err := json.Marshal(norm)
			if err != nil {
				t.Fatal(err)
			}
			var back Spec
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			again, err := back.Normalize()
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(again.Hidden, tc.want) || (tc.want == nil) != (again.Hidden == nil) {
				t.Errorf("%s read back with hidden %v, want %v", b, again.Hidden, tc.want)
			}
		})
	}
}
