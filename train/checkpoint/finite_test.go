package checkpoint

import (
	"encoding/binary"
	"errors"
	"math"
	"strings"
	"testing"
)

func TestNonFiniteWeightsAreRefused(t *testing.T) {
	f32 := func(vals ...float32) []byte {
		b := make([]byte, 4*len(vals))
		for i, v := range vals {
			binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
		}
		return b
	}
	f64 := func(vals ...float64) []byte {
		b := make([]byte, 8*len(vals))
		for i, v := range vals {
			binary.LittleEndian.PutUint64(b[8*i:], math.Float64bits(v))
		}
		return b
	}
	nan32 := float32(math.NaN())
	tests := []struct {
		name  string
		v     Variable
		index string // "" if the checkpoint is valid
	}{
		{"a NaN weight is refused", Variable{DType: "Float32", Shape: []int{2, 3}, Data: f32(1, 2, 3, nan32, 5, 6)}, "NaN at index 3"},
		{"an infinite weight is refused", Variable{DType: "Float32", Shape: []int{2}, Data: f32(float32(math.Inf(1)), 0)}, "+Inf at index 0"},
		{"a float64 minus infinity is refused", Variable{DType: "Float64", Shape: []int{2}, Data: f64(0, math.Inf(-1))}, "-Inf at index 1"},
		{"a float16 NaN is refused", Variable{DType: "Float16", Shape: []int{2}, Data: []byte{0, 0, 0x01, 0x7e}}, "NaN at index 1"},
		{"a bfloat16 infinity is refused", Variable{DType: "BFloat16", Shape: []int{1}, Data: []byte{0x80, 0x7f}}, "+Inf at index 0"},
		{"finite weights are accepted", Variable{DType: "Float32", Shape: []int{3}, Data: f32(-1e30, 0, 3.5)}, ""},
		{"integers with every bit set are accepted", Variable{DType: "Int64", Shape: []int{1}, Data: []byte{255, 255, 255, 255, 255, 255, 255, 255}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newManager(t, 5, "")
			s := snapshot(1, -1)
			tt.v.Path = "/dense/weights"
			s.Variables[0] = tt.v
			dir := mustSave(t, m, s)
			_, verr := Verify(dir)
			_, oerr := Open(dir)
			for what, err := range map[string]error{"Verify": verr, "Open": oerr} {
				switch {
				case tt.index == "" && err != nil:
					t.Errorf("%s: %v, want it accepted", what, err)
				case tt.index != "" && (!errors.Is(err, ErrNonFinite) || !errors.Is(err, ErrCorrupt) ||
					!strings.Contains(err.Error(), `"/dense/weights"`) || !strings.Contains(err.Error(), tt.index)):
					t.Errorf("%s: %v, want ErrNonFinite and ErrCorrupt naming /dense/weights and %q", what, err, tt.index)
				case err != nil && strings.Contains(err.Error(), "\n"):
					t.Errorf("%s: the error is more than one line: %q", what, err)
				}
			}
		})
	}
}

// TestFiniteCheckFindsAValueCutBetweenWrites feeds variables.bin a byte at
// a time, as a stream may cut it anywhere.
func TestFiniteCheckFindsAValueCutBetweenWrites(t *testing.T) {
	ints := Variable{Path: "steps", DType: "Int32", Size: 3 * 4}
	weights := Variable{Path: "w", DType: "Float32", Size: 4 * 4}
	blob := make([]byte, ints.Size+weights.Size)
	for i := range ints.Size {
		blob[i] = 0xff // an Int32 of -1: the bits of a float NaN, but not a float
	}
	binary.LittleEndian.PutUint32(blob[ints.Size+2*4:], math.Float32bits(float32(math.Inf(-1))))
	c := newFiniteCheck("ckpt", []Variable{ints, weights})
	for i := range blob {
		if _, err := c.Write(blob[i : i+1]); err != nil {
			t.Fatal(err)
		}
	}
	if c.err == nil || !strings.Contains(c.err.Error(), `variable "w" holds -Inf at index 2`) {
		t.Errorf("got %v, want variable w's -Inf at index 2", c.err)
	}
}
