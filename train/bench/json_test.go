package bench_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/neurona/neurona/internal/safejson"
	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train/bench"
	"github.com/neurona/neurona/train/checkpoint"
	"github.com/neurona/neurona/train/config"
	"github.com/neurona/neurona/train/runfolder"
)

// This test lives here, not in internal/safejson, because it needs the
// types of the files neurona writes, and train/bench is above all of them
// in the layers (a test of internal/safejson may not import them).

// floatMode says what fill puts in the floats.
type floatMode int

const (
	formats   floatMode = iota // finite values that need each of encoding/json's number formats
	halves                     // n+0.5: finite and never an integer, to be told from the integers
	nonFinite                  // NaN, +Inf and -Inf in turn
)

// filler sets every exported field of a value, with a different number
// each time, so that no field is left to its zero value (and omitempty).
type filler struct {
	mode floatMode
	n    int
}

func (f *filler) float() float64 {
	f.n++
	n := float64(f.n)
	switch f.mode {
	case halves:
		return n + 0.5
	case nonFinite:
		return []float64{math.NaN(), math.Inf(1), math.Inf(-1)}[f.n%3]
	}
	return []float64{n + 0.1, (n + 0.5) * 1e-7, n * 1e21, n / 3}[f.n%4]
}

func (f *filler) fill(v reflect.Value) {
	f.n++
	switch v.Kind() {
	case reflect.Float32, reflect.Float64:
		v.SetFloat(f.float())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(int64(f.n))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(uint64(f.n))
	case reflect.String:
		v.SetString(fmt.Sprintf("s%d <&> é \u2028", f.n)) // encoding/json escapes <, &, > and U+2028
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		f.fill(v.Elem())
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		for i := range v.Len() {
			f.fill(v.Index(i))
		}
	case reflect.Map:
		v.Set(reflect.MakeMap(v.Type()))
		for _, k := range []string{"zeta", "alpha"} { // out of order: encoding/json sorts keys
			e := reflect.New(v.Type().Elem()).Elem()
			f.fill(e)
			v.SetMapIndex(reflect.ValueOf(k).Convert(v.Type().Key()), e)
		}
	case reflect.Interface:
		v.Set(reflect.ValueOf(f.float()))
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			v.Set(reflect.ValueOf(time.Date(2026, 12, 4, 21, 0, f.n, 123456789, time.UTC)))
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				f.fill(v.Field(i))
			}
		}
	}
}

func filled[T any](mode floatMode) *T {
	v := new(T)
	(&filler{mode: mode}).fill(reflect.ValueOf(v).Elem())
	return v
}

// nullFractions is a parsed JSON value with every number that is not an
// integer replaced by null: what halves' floats become when non-finite.
func nullFractions(v any) any {
	switch v := v.(type) {
	case float64:
		if v != math.Trunc(v) {
			return nil
		}
	case []any:
		for i := range v {
			v[i] = nullFractions(v[i])
		}
	case map[string]any:
		for k := range v {
			v[k] = nullFractions(v[k])
		}
	}
	return v
}

// TestSafeJSONWritesNeuronasFilesAsEncodingJSON checks the files neurona
// writes through internal/safejson: with finite floats, byte for byte what
// encoding/json writes; with non-finite ones, the same document with those
// floats null.
func TestSafeJSONWritesNeuronasFilesAsEncodingJSON(t *testing.T) {
	cases := []struct {
		name   string
		filled func(floatMode) any
	}{
		{"a run's summary.json, with its configuration and model", func(m floatMode) any { return filled[runfolder.Summary](m) }},
		{"a configuration", func(m floatMode) any { return filled[config.Config](m) }},
		{"a model spec and its parameters", func(m floatMode) any {
			return struct {
				S models.Spec
				P []models.Param
			}{*filled[models.Spec](m), *filled[[]models.Param](m)}
		}},
		{"an epoch line of metrics.jsonl", func(m floatMode) any { return filled[runfolder.EpochMetrics](m) }},
		{"a step line of metrics.jsonl", func(m floatMode) any { return filled[runfolder.StepMetrics](m) }},
		{"a checkpoint's manifest.json with metrics", func(m floatMode) any { return filled[checkpoint.Manifest](m) }},
		{"a checkpoint's variables.json", func(m floatMode) any { return filled[[]checkpoint.Variable](m) }},
		{"a bench report", func(m floatMode) any { return filled[bench.Report](m) }},
	}
	for _, tc := range cases {
		t.Run(tc.name+" is the same with finite floats", func(t *testing.T) {
			v := tc.filled(formats)
			want, err := json.MarshalIndent(v, "", "  ")
			if err != nil {
				t.Fatalf("encoding/json: %v", err)
			}
			got, err := safejson.MarshalIndent(v, "", "  ")
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("safejson differs from encoding/json (%v)%s", err, firstDiff(got, want))
			}
		})
		t.Run(tc.name+" has null for its non-finite floats", func(t *testing.T) {
			finite, err := json.Marshal(tc.filled(halves))
			if err != nil {
				t.Fatalf("encoding/json: %v", err)
			}
			got, err := safejson.Marshal(tc.filled(nonFinite))
			if err != nil {
				t.Fatalf("safejson: %v", err)
			}
			var gotTree, wantTree any
			if err := json.Unmarshal(got, &gotTree); err != nil {
				t.Fatalf("safejson wrote JSON that does not parse: %v", err)
			}
			if err := json.Unmarshal(finite, &wantTree); err != nil {
				t.Fatal(err)
			}
			if want := nullFractions(wantTree); !reflect.DeepEqual(gotTree, want) {
				wantBytes, _ := json.Marshal(want)
				t.Errorf("not the finite document with its floats null:%s", firstDiff(got, wantBytes))
			}
		})
	}
}

// firstDiff shows where two documents first differ, briefly.
func firstDiff(got, want []byte) string {
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	from := max(0, i-40)
	clip := func(b []byte) string { return strings.ToValidUTF8(string(b[from:min(len(b), i+40)]), "?") }
	return fmt.Sprintf("\nat byte %d:\n got …%q\nwant …%q", i, clip(got), clip(want))
}
