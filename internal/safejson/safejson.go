// Package safejson encodes JSON like encoding/json, except that a NaN or
// infinite float, which encoding/json refuses ("json: unsupported value:
// NaN"), is written as null. A run that diverged still gets its metrics,
// summary and checkpoint manifest written.
//
// The encoding is github.com/go-json-experiment/json, the module that
// mirrors Go's encoding/json/v2, run with its v1 options
// (jsonv1.DefaultOptionsV1): those make it write what encoding/json writes
// (field names and omitempty, sorted map keys, HTML escaping, MarshalJSON
// and MarshalText methods, embedded structs, nil slices and maps as null),
// and v2 lets a caller give its own encoder for a type, here one for
// float64 and float32 that writes null where the value is not finite.
// Go 1.26 has encoding/json/v2 only behind GOEXPERIMENT=jsonv2, which
// neurona's build does not set, hence the module; with that experiment on,
// the module is the standard library's package under another name
// (fallback_jsonv2.go covers the one difference that makes).
//
// Only the types float64 and float32 are covered: a named float type
// (type Seconds float64) with a NaN is refused, as encoding/json refuses it.
// One thing differs from encoding/json, in a string that is not valid
// UTF-8: its replacement character U+FFFD is written as itself, where
// encoding/json writes the escape \ufffd; both parse to the same string,
// and neurona's readers parse (TestInvalidUTF8).
//
//	b, err := safejson.MarshalIndent(summary, "", "  ") // "val_loss": null after a divergence
package safejson

import (
	"bytes"
	"encoding/json"
	"io"
	"math"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	jsonv1 "github.com/go-json-experiment/json/v1"
)

// options are encoding/json's behaviour plus the non-finite floats as null.
var options = jsonv2.JoinOptions(
	jsonv1.DefaultOptionsV1(),
	jsonv2.WithMarshalers(jsonv2.JoinMarshalers(
		jsonv2.MarshalToFunc(nullIfNotFinite[float64]),
		jsonv2.MarshalToFunc(nullIfNotFinite[float32]),
	)),
)

// nullIfNotFinite writes null for NaN and ±Inf and leaves every other
// value to the default encoding (useDefault), so that a finite float,
// ",string" tag option included, is written as encoding/json writes it.
func nullIfNotFinite[F float32 | float64](enc *jsontext.Encoder, f F) error {
	if math.IsNaN(float64(f)) || math.IsInf(float64(f), 0) {
		return enc.WriteToken(jsontext.Null)
	}
	return useDefault
}

// Marshal is json.Marshal with non-finite floats written as null.
func Marshal(v any) ([]byte, error) {
	return jsonv2.Marshal(v, options)
}

// MarshalIndent is json.MarshalIndent with non-finite floats written as null.
func MarshalIndent(v any, prefix, indent string) ([]byte, error) {
	b, err := Marshal(v)
	if err != nil {
		return nil, err
	}
	// encoding/json's own Indent: MarshalIndent is Marshal then Indent
	// there too, so the layout is the same byte for byte.
	var out bytes.Buffer
	if err := json.Indent(&out, b, prefix, indent); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// Encode writes v to w as json.NewEncoder(w).Encode does (one line, then a
// newline), with non-finite floats written as null.
func Encode(w io.Writer, v any) error {
	b, err := Marshal(v)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}
