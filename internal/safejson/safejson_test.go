package safejson

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

type inner struct {
	Loss  float64  `json:"loss"`
	Acc   *float64 `json:"acc,omitempty"`
	Shown string
}

type Embedded struct {
	Examples int     `json:"examples"`
	Score    float32 `json:"score"`
	Name     string  `json:"name"`
}

type sample struct {
	Step     int                `json:"step"`
	Name     string             `json:"name"` // shadows Embedded.Name
	HTML     string             `json:"html"`
	Loss     float64            `json:"loss"`
	Metrics  map[string]float64 `json:"metrics,omitempty"`
	Hist     []float32          `json:"hist"`
	Inner    inner              `json:"inner"`
	Ptr      *inner             `json:"ptr"`
	When     time.Time          `json:"when"`
	Blob     []byte             `json:"blob"`
	Skip     int                `json:"-"`
	Zero     time.Time          `json:"zero,omitzero"`
	Empty    []int              `json:"empty,omitempty"`
	Quoted   int                `json:"quoted,string"`
	Any      any                `json:"any"`
	ByInt    map[int]string     `json:"by_int"`
	Grid     [2][2]int          `json:"grid"`
	internal int
	*Embedded
}

// TestSameAsEncodingJSONWithoutNaN checks that the rebuilt value encodes
// exactly as encoding/json encodes the original, so that only the floats
// differ when one is NaN.
func TestSameAsEncodingJSONWithoutNaN(t *testing.T) {
	acc := 0.5
	values := []any{
		sample{Step: 3, Name: "x", HTML: "<b>&</b>", Loss: 0.25, Metrics: map[string]float64{"b": 1, "a": 2.5e-9},
			Hist: []float32{0.1, 3}, Inner: inner{Loss: 1, Acc: &acc, Shown: "s"}, When: time.Unix(1e9, 5).UTC(),
			Blob: []byte("abc"), Quoted: 7, Any: map[string]any{"k": []any{1.5, "v"}}, ByInt: map[int]string{2: "b", 10: "a"},
			Embedded: &Embedded{Examples: 4, Score: 0.1, Name: "hidden"}, internal: 1},
		sample{},
		&sample{Ptr: &inner{}},
		[]float64{1, 2},
		map[string]*float64{"a": &acc, "b": nil},
		3.25,
		nil,
	}
	for i, v := range values {
		want, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		clean, err := sanitize(reflectValue(v), false)
		if err != nil {
			t.Fatalf("%d: %v", i, err)
		}
		got, err := json.Marshal(clean)
		if err != nil {
			t.Fatalf("%d: %v", i, err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%d: rebuilt\n%s\nencoding/json\n%s", i, got, want)
		}
	}
}

func TestNonFiniteFloatsAreNull(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	for _, tc := range []struct {
		name string
		v    any
		want string
	}{
		{"a NaN", nan, `null`},
		{"a field", inner{Loss: nan, Shown: "s"}, `{"loss":null,"Shown":"s"}`},
		{"a pointer field", inner{Loss: 1, Acc: &inf}, `{"loss":1,"acc":null,"Shown":""}`},
		{"a map", map[string]float64{"val_loss": nan, "acc": 1}, `{"acc":1,"val_loss":null}`},
		{"a float32 slice", []float32{1, float32(math.Inf(-1))}, `[1,null]`},
		{"embedded", sample{Embedded: &Embedded{Score: float32(nan)}, Hist: []float32{}},
			`{"step":0,"name":"","html":"","loss":0,"hist":[],"inner":{"loss":0,"Shown":""},"ptr":null,"when":"0001-01-01T00:00:00Z","blob":null,"quoted":"0","any":null,"by_int":null,"grid":[[0,0],[0,0]],"examples":0,"score":null}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := json.Marshal(tc.v); err == nil {
				t.Fatal("encoding/json accepted it: the case tests nothing")
			}
			got, err := Marshal(tc.v)
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			if string(got) != tc.want {
				t.Errorf("Marshal = %s, want %s", got, tc.want)
			}
			var b strings.Builder
			if err := Encode(&b, tc.v); err != nil || b.String() != tc.want+"\n" {
				t.Errorf("Encode = %q, %v", b.String(), err)
			}
			ind, err := MarshalIndent(tc.v, "", "  ")
			if err != nil || !json.Valid(ind) {
				t.Errorf("MarshalIndent = %s, %v", ind, err)
			}
		})
	}
}

func TestIndentMatchesEncodingJSON(t *testing.T) {
	v := sample{Step: 1, Metrics: map[string]float64{"a": 1}}
	want, _ := json.MarshalIndent(v, "", "  ")
	got, err := MarshalIndent(v, "", "  ")
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("MarshalIndent =\n%s\nwant\n%s (%v)", got, want, err)
	}
}

func TestUnsupportedTypesStillFail(t *testing.T) {
	if _, err := Marshal(map[string]any{"f": math.NaN(), "c": make(chan int)}); err == nil {
		t.Error("a channel was encoded")
	}
}

func reflectValue(v any) reflect.Value { return reflect.ValueOf(v) }
