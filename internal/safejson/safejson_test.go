package safejson

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
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

// celsius has a value-receiver MarshalJSON that writes spaces and HTML
// characters, which encoding/json compacts and escapes.
type celsius float64

func (c celsius) MarshalJSON() ([]byte, error) {
	return []byte(`{ "unit" : "<C>", "value" : 1 }`), nil
}

// level has a pointer-receiver MarshalText: encoding/json calls it only
// on an addressable value.
type level int

func (l *level) MarshalText() ([]byte, error) { return []byte("level-" + string(rune('0'+*l))), nil }

type textKey string

func (k textKey) MarshalText() ([]byte, error) { return []byte("key:" + string(k)), nil }

type methods struct {
	Temp     celsius            `json:"temp"`
	TempPtr  *celsius           `json:"temp_ptr"`
	Level    level              `json:"level"`
	Raw      json.RawMessage    `json:"raw"`
	NilRaw   json.RawMessage    `json:"nil_raw"`
	Keys     map[textKey]int    `json:"keys"`
	Floats   map[string]float64 `json:"floats"`
	Nils     map[string][]int   `json:"nils"`
	Quoted   float64            `json:"quoted,string"`
	QStr     string             `json:"qstr,string"`
	F32      float32            `json:"f32"`
	Empty    any                `json:"empty,omitempty"`
	NilPtr   *Embedded          `json:"nil_ptr,omitempty"`
	Untagged bool
}

// TestSameAsEncodingJSON checks that a value without a non-finite float is
// written byte for byte as encoding/json writes it, by Marshal,
// MarshalIndent and Encode. neurona's own file types are checked in
// train/bench/json_test.go: by the layers, a test here may not import them.
func TestSameAsEncodingJSON(t *testing.T) {
	acc := 0.5
	temp := celsius(3)
	cases := []struct {
		name string
		v    any
	}{
		{"a struct with tags, shadowed and embedded fields, maps, time and bytes is the same", sample{Step: 3, Name: "x",
			HTML: "<b>&</b> \u2028 é", Loss: 0.25, Metrics: map[string]float64{"b": 1, "a": 2.5e-9},
			Hist: []float32{0.1, 3}, Inner: inner{Loss: 1, Acc: &acc, Shown: "s"}, When: time.Unix(1e9, 5).UTC(),
			Blob: []byte("abc"), Quoted: 7, Any: map[string]any{"k": []any{1.5, "v"}}, ByInt: map[int]string{2: "b", 10: "a"},
			Embedded: &Embedded{Examples: 4, Score: 0.1, Name: "hidden"}, internal: 1}},
		{"the zero struct is the same", sample{}},
		{"a pointer to a struct is the same", &sample{Ptr: &inner{}}},
		{"methods, raw messages, text keys and string options are the same", methods{Temp: 1, TempPtr: &temp, Level: 2,
			Raw: json.RawMessage(` { "a" : [1, 2] , "h" : "<&>" } `), Keys: map[textKey]int{"b": 1, "a": 2},
			Floats: map[string]float64{"big": 1e21, "small": 1e-7, "third": 1.0 / 3, "neg0": math.Copysign(0, -1)},
			Nils:   map[string][]int{"nil": nil, "empty": {}}, Quoted: 0.125, QStr: `a"b`, F32: 0.1, Untagged: true}},
		{"a pointer-receiver MarshalText is called through a pointer", &methods{Level: 3}},
		{"a float slice is the same", []float64{1, 2, 1e20, 1e21, 123456789e-30, math.MaxFloat64, math.SmallestNonzeroFloat64}},
		{"a float32 slice is the same", []float32{0.1, 1e20, 1e21, 1e-7, math.MaxFloat32, math.SmallestNonzeroFloat32}},
		{"a map of pointers with a nil is the same", map[string]*float64{"a": &acc, "b": nil}},
		{"a nil slice and a nil map are null", []any{[]int(nil), map[string]int(nil), (*int)(nil)}},
		{"a float is the same", 3.25},
		{"nil is null", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			want, err := json.Marshal(tc.v)
			if err != nil {
				t.Fatalf("encoding/json: %v", err)
			}
			got, err := Marshal(tc.v)
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("Marshal:\n got %s (%v)\nwant %s", got, err, want)
			}
			wantInd, _ := json.MarshalIndent(tc.v, "> ", "\t")
			gotInd, err := MarshalIndent(tc.v, "> ", "\t")
			if err != nil || !bytes.Equal(gotInd, wantInd) {
				t.Errorf("MarshalIndent:\n got %s (%v)\nwant %s", gotInd, err, wantInd)
			}
			var gotEnc, wantEnc bytes.Buffer
			_ = json.NewEncoder(&wantEnc).Encode(tc.v)
			if err := Encode(&gotEnc, tc.v); err != nil || !bytes.Equal(gotEnc.Bytes(), wantEnc.Bytes()) {
				t.Errorf("Encode:\n got %q (%v)\nwant %q", gotEnc.Bytes(), err, wantEnc.Bytes())
			}
		})
	}
}

func TestNonFiniteFloatsAreNull(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	for _, tc := range []struct {
		name string
		v    any
		want string
	}{
		{"a NaN alone is null", nan, `null`},
		{"a NaN field is null", inner{Loss: nan, Shown: "s"}, `{"loss":null,"Shown":"s"}`},
		{"an infinite float behind a pointer is null", inner{Loss: 1, Acc: &inf}, `{"loss":1,"acc":null,"Shown":""}`},
		{"a NaN map value is null", map[string]float64{"val_loss": nan, "acc": 1}, `{"acc":1,"val_loss":null}`},
		{"a float32 -Inf in a slice is null", []float32{1, float32(math.Inf(-1))}, `[1,null]`},
		{"a NaN inside an interface is null", map[string]any{"lr": nan}, `{"lr":null}`},
		{"a NaN with the string option is null, not quoted", struct {
			F float64 `json:"f,string"`
		}{nan}, `{"f":null}`},
		{"a NaN in an embedded struct is null", sample{Embedded: &Embedded{Score: float32(nan)}, Hist: []float32{}},
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

// TestInvalidUTF8 pins the one difference from encoding/json that the
// tests found: a string holding bytes that are not UTF-8 gets the
// replacement character U+FFFD written as itself, where encoding/json
// writes the escape \ufffd. Both are valid JSON that parse to the same
// string, so readers see no difference.
func TestInvalidUTF8(t *testing.T) {
	v := map[string]string{"run_dir": "runs/\xff"}
	want, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "{\"run_dir\":\"runs/\ufffd\"}" {
		t.Errorf("Marshal = %q, want U+FFFD written as itself", got)
	}
	var fromGot, fromWant map[string]string
	if err := json.Unmarshal(got, &fromGot); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(want, &fromWant); err != nil {
		t.Fatal(err)
	}
	if fromGot["run_dir"] != fromWant["run_dir"] {
		t.Errorf("parsed %q, encoding/json's output parses to %q", fromGot["run_dir"], fromWant["run_dir"])
	}
}

type cycle struct {
	Next *cycle `json:"next"`
}

type failing struct{}

func (failing) MarshalJSON() ([]byte, error) { return nil, errors.New("no encoding") }

func TestUnsupportedValuesStillFail(t *testing.T) {
	loop := &cycle{}
	loop.Next = loop
	for _, tc := range []struct {
		name string
		v    any
	}{
		{"a channel next to a NaN is refused", map[string]any{"f": math.NaN(), "c": make(chan int)}},
		{"a complex number is refused", complex(1, 2)},
		{"a function is refused", func() {}},
		{"a cycle is an error, not a stack overflow", loop},
		{"a MarshalJSON error is returned", failing{}},
		{"a named float type with a NaN is refused, as encoding/json refuses it", celsiusPlain(math.NaN())},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if b, err := Marshal(tc.v); err == nil {
				t.Errorf("Marshal = %.40s, want an error", b)
			}
		})
	}
}

type celsiusPlain float64
