package safejson

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"
)

// floats is a struct with floats everywhere encoding/json reaches them.
type floats struct {
	A   float64            `json:"a"`
	B   float32            `json:"b"`
	P   *float64           `json:"p"`
	M   map[string]float64 `json:"m"`
	S   []float32          `json:"s"`
	Any any                `json:"any"`
}

// nullable is floats with every float a pointer: nil where the float is
// not finite, so that encoding/json writes what Marshal should write.
type nullable struct {
	A   *float64            `json:"a"`
	B   *float32            `json:"b"`
	P   *float64            `json:"p"`
	M   map[string]*float64 `json:"m"`
	S   []*float32          `json:"s"`
	Any any                 `json:"any"`
}

func finite64(f float64) *float64 {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil
	}
	return &f
}

func finite32(f float32) *float32 {
	if finite64(float64(f)) == nil {
		return nil
	}
	return &f
}

// FuzzFloats checks that Marshal writes any float64 and float32, finite
// or not, in every position, as encoding/json writes the same value with
// the non-finite floats replaced by null, and that a finite float reads
// back unchanged.
func FuzzFloats(f *testing.F) {
	for _, seed := range [][2]float64{{0, 0}, {1.5, 0.1}, {math.NaN(), 1}, {math.Inf(1), math.Inf(-1)},
		{1e21, 1e-7}, {math.MaxFloat64, math.SmallestNonzeroFloat32}, {math.Copysign(0, -1), -2.5e-9}} {
		f.Add(math.Float64bits(seed[0]), math.Float32bits(float32(seed[1])))
	}
	f.Fuzz(func(t *testing.T, bits64 uint64, bits32 uint32) {
		a, b := math.Float64frombits(bits64), math.Float32frombits(bits32)
		v := floats{A: a, B: b, P: &a, M: map[string]float64{"x": a, "y": float64(b)}, S: []float32{b, float32(a)}, Any: a}
		var anyWant any
		if p := finite64(a); p != nil {
			anyWant = *p
		}
		want, err := json.Marshal(nullable{A: finite64(a), B: finite32(b), P: finite64(a),
			M: map[string]*float64{"x": finite64(a), "y": finite64(float64(b))},
			S: []*float32{finite32(b), finite32(float32(a))}, Any: anyWant})
		if err != nil {
			t.Fatalf("encoding/json: %v", err)
		}
		got, err := Marshal(v)
		if err != nil {
			t.Fatalf("Marshal(%v, %v): %v", a, b, err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("Marshal(%v, %v):\n got %s\nwant %s", a, b, got, want)
		}
		var back nullable
		if err := json.Unmarshal(got, &back); err != nil {
			t.Fatalf("read back %s: %v", got, err)
		}
		if p := finite64(a); p != nil && (back.A == nil || math.Float64bits(*back.A) != math.Float64bits(*p)) {
			t.Errorf("a = %v read back as %v", a, back.A)
		}
	})
}
