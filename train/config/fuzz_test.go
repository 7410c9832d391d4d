package config

import (
	"reflect"
	"testing"
)

// FuzzFieldSet: reading any text into any field never panics, and a value
// a field accepts reads back from its Text as the same value.
func FuzzFieldSet(f *testing.F) {
	for _, seed := range []string{"", "0", "-1", "1e-3", "NaN", "+Inf", "true", "512,512", "0x10", "18446744073709551616", ",", "relu"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		for i := range Fields {
			field := &Fields[i]
			var c Config
			if err := field.Set(&c, text); err != nil {
				continue
			}
			var again Config
			if err := field.Set(&again, field.Text(c)); err != nil {
				t.Fatalf("%s: %q accepted, its text %q refused: %v", field.Key, text, field.Text(c), err)
			}
			a, b := field.Get(c), field.Get(again)
			if !reflect.DeepEqual(a, b) && !(field.IsZero(c) && field.IsZero(again)) && field.Text(c) != field.Text(again) {
				t.Fatalf("%s: %q read back as %v, then %v", field.Key, text, a, b)
			}
		}
	})
}
