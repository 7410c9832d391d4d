// Package safejson encodes JSON like encoding/json, except that a NaN or
// infinite float, which encoding/json refuses ("json: unsupported value:
// NaN"), is written as null. A run that diverged still gets its metrics,
// summary and checkpoint manifest written.
//
// A value without such floats is encoded by encoding/json itself, byte for
// byte; only a value that holds one takes the slower path that rebuilds it
// with the non-finite floats replaced.
package safejson

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// Marshal is json.Marshal with non-finite floats written as null.
func Marshal(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if !unsupported(err) {
		return b, err
	}
	clean, err := sanitize(reflect.ValueOf(v), false)
	if err != nil {
		return nil, err
	}
	return json.Marshal(clean)
}

// MarshalIndent is json.MarshalIndent with non-finite floats written as null.
func MarshalIndent(v any, prefix, indent string) ([]byte, error) {
	b, err := Marshal(v)
	if err != nil {
		return nil, err
	}
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

// unsupported reports whether err is encoding/json refusing a value (NaN
// or ±Inf; also a cycle, which sanitize then reports in its own words).
func unsupported(err error) bool {
	var uv *json.UnsupportedValueError
	return errors.As(err, &uv)
}

var (
	marshalerType     = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
)

// maxDepth bounds the rebuilding, so that a cyclic value is an error and
// not a stack overflow.
const maxDepth = 1000

// sanitize rebuilds v as values encoding/json encodes the way it would have
// encoded v (struct fields in order with their tag names, maps as sorted
// objects), with every NaN and ±Inf float replaced by nil.
func sanitize(v reflect.Value, quoted bool) (clean any, err error) {
	defer func() {
		// reflect panics on what encoding/json handles by rules not
		// copied here (values reached through unexported embedded
		// structs): an error, never a crash.
		if r := recover(); r != nil {
			clean, err = nil, fmt.Errorf("safejson: cannot encode the value with its non-finite floats as null: %v", r)
		}
	}()
	return sanitizeAt(v, quoted, 0)
}

func sanitizeAt(v reflect.Value, quoted bool, depth int) (any, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("safejson: value nested more than %d deep (a cycle?)", maxDepth)
	}
	if !v.IsValid() {
		return nil, nil
	}
	t := v.Type()
	if t.Kind() != reflect.Pointer && t.Kind() != reflect.Interface {
		if t.Implements(marshalerType) || t.Implements(textMarshalerType) {
			return raw(v.Interface())
		}
		if v.CanAddr() && (reflect.PointerTo(t).Implements(marshalerType) || reflect.PointerTo(t).Implements(textMarshalerType)) {
			return raw(v.Addr().Interface())
		}
	} else if !v.IsNil() && t.Kind() == reflect.Pointer && (t.Implements(marshalerType) || t.Implements(textMarshalerType)) {
		return raw(v.Interface())
	}
	switch v.Kind() {
	case reflect.Float32, reflect.Float64:
		f := v.Float()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, nil
		}
		return scalar(v.Interface(), quoted)
	case reflect.Bool, reflect.String,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return scalar(v.Interface(), quoted)
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil, nil
		}
		return sanitizeAt(v.Elem(), quoted, depth+1)
	case reflect.Struct:
		members, err := structMembers(v, depth)
		if err != nil {
			return nil, err
		}
		return members, nil
	case reflect.Map:
		if v.IsNil() {
			return nil, nil
		}
		return mapMembers(v, depth)
	case reflect.Slice:
		if v.IsNil() {
			return nil, nil
		}
		if t.Elem().Kind() == reflect.Uint8 && !t.Elem().Implements(marshalerType) && !reflect.PointerTo(t.Elem()).Implements(marshalerType) {
			return raw(v.Interface()) // base64, as encoding/json writes []byte
		}
		fallthrough
	case reflect.Array:
		out := make([]any, v.Len())
		for i := range out {
			e, err := sanitizeAt(v.Index(i), false, depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = e
		}
		return out, nil
	default:
		return raw(v.Interface()) // encoding/json's error for channels, functions, complex numbers
	}
}

// raw is v as encoding/json encodes it.
func raw(v any) (json.RawMessage, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return b, nil
}

// scalar is v, or with the ",string" option its JSON text quoted.
func scalar(v any, quoted bool) (any, error) {
	if !quoted {
		return v, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return raw(string(b))
}

// object is a JSON object whose members keep their order.
type object []member

type member struct {
	key    string
	value  any
	depth  int  // embedding depth of the struct field
	tagged bool // named by a json tag
}

// MarshalJSON writes the members in order.
func (o object) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(m.key)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		val, err := json.Marshal(m.value)
		if err != nil {
			return nil, err
		}
		b.Write(val)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// structMembers lists v's fields as encoding/json does: tag names and
// options, unexported fields left out, embedded structs flattened, and of
// fields with the same name the shallowest (or the only tagged one) kept.
func structMembers(v reflect.Value, depth int) (object, error) {
	var all object
	if err := collectFields(v, 0, depth, &all); err != nil {
		return nil, err
	}
	byName := map[string][]int{}
	for i, m := range all {
		byName[m.key] = append(byName[m.key], i)
	}
	out := object{}
	for i, m := range all {
		if dominant(all, byName[m.key]) == i {
			out = append(out, m)
		}
	}
	return out, nil
}

// dominant is the index among idx of the field that wins its name, or -1
// when none does (encoding/json then drops them all).
func dominant(all object, idx []int) int {
	if len(idx) == 1 {
		return idx[0]
	}
	minDepth := slices.MinFunc(idx, func(a, b int) int { return all[a].depth - all[b].depth })
	var shallow []int
	for _, i := range idx {
		if all[i].depth == all[minDepth].depth {
			shallow = append(shallow, i)
		}
	}
	if len(shallow) == 1 {
		return shallow[0]
	}
	winner := -1
	for _, i := range shallow {
		if all[i].tagged {
			if winner >= 0 {
				return -1
			}
			winner = i
		}
	}
	return winner
}

func collectFields(v reflect.Value, embedDepth, depth int, out *object) error {
	t := v.Type()
	for i := range t.NumField() {
		sf := t.Field(i)
		tag := sf.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		ft := sf.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if sf.Anonymous {
			if !sf.IsExported() && ft.Kind() != reflect.Struct {
				continue
			}
			if name == "" && ft.Kind() == reflect.Struct {
				fv := v.Field(i)
				if fv.Kind() == reflect.Pointer {
					if fv.IsNil() {
						continue
					}
					fv = fv.Elem()
				}
				if err := collectFields(fv, embedDepth+1, depth+1, out); err != nil {
					return err
				}
				continue
			}
		} else if !sf.IsExported() {
			continue
		}
		fv := v.Field(i)
		if hasOpt(opts, "omitempty") && isEmpty(fv) || hasOpt(opts, "omitzero") && isZero(fv) {
			continue
		}
		quoted := hasOpt(opts, "string") && isScalarKind(ft.Kind())
		value, err := sanitizeAt(fv, quoted, depth+1)
		if err != nil {
			return err
		}
		key := name
		if key == "" {
			key = sf.Name
		}
		*out = append(*out, member{key: key, value: value, depth: embedDepth, tagged: name != ""})
	}
	return nil
}

func hasOpt(opts, want string) bool {
	for o := range strings.SplitSeq(opts, ",") {
		if o == want {
			return true
		}
	}
	return false
}

func isScalarKind(k reflect.Kind) bool {
	switch k {
	case reflect.Bool, reflect.String, reflect.Float32, reflect.Float64,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return true
	}
	return false
}

// isEmpty is encoding/json's test for omitempty.
func isEmpty(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Interface, reflect.Pointer:
		return v.IsZero()
	}
	return false
}

// isZero is encoding/json's test for omitzero: an IsZero method, else the
// zero value.
func isZero(v reflect.Value) bool {
	if z, ok := v.Interface().(interface{ IsZero() bool }); ok {
		if v.Kind() == reflect.Pointer && v.IsNil() {
			return true
		}
		return z.IsZero()
	}
	return v.IsZero()
}

// mapMembers is a map as an object sorted by key, as encoding/json sorts.
func mapMembers(v reflect.Value, depth int) (object, error) {
	out := object{}
	for it := v.MapRange(); it.Next(); {
		key, err := mapKey(it.Key())
		if err != nil {
			return nil, err
		}
		value, err := sanitizeAt(it.Value(), false, depth+1)
		if err != nil {
			return nil, err
		}
		out = append(out, member{key: key, value: value})
	}
	slices.SortFunc(out, func(a, b member) int { return strings.Compare(a.key, b.key) })
	return out, nil
}

// mapKey is a map key's JSON name, by encoding/json's rules.
func mapKey(k reflect.Value) (string, error) {
	if k.Kind() == reflect.String {
		return k.String(), nil
	}
	if tm, ok := k.Interface().(encoding.TextMarshaler); ok {
		if k.Kind() == reflect.Pointer && k.IsNil() {
			return "", nil
		}
		b, err := tm.MarshalText()
		return string(b), err
	}
	switch k.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(k.Int(), 10), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return strconv.FormatUint(k.Uint(), 10), nil
	}
	return "", fmt.Errorf("safejson: unsupported map key type %s", k.Type())
}
