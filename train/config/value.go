package config

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/neurona/neurona/internal/field"
	"github.com/neurona/neurona/internal/human"
)

// Type names the kind of value f takes as pflag names its types: "string",
// "int", "float64", "bool" or "uint64" (a list is written as a string:
// "512,512").
func (f *Field) Type() string {
	switch f.Ptr(&Config{}).(type) {
	case *int:
		return "int"
	case *float64:
		return "float64"
	case *bool:
		return "bool"
	case *uint64:
		return "uint64"
	}
	return "string"
}

// Text is f's value in c as a command line or a config file writes it: a
// list joined by commas.
func (f *Field) Text(c Config) string {
	switch v := f.Get(c).(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	case []int:
		parts := make([]string, len(v))
		for i, n := range v {
			parts[i] = strconv.Itoa(n)
		}
		return strings.Join(parts, ",")
	default:
		return fmt.Sprint(v)
	}
}

// Set reads text into f's value in c. A value that is not of f's type is
// a *field.Error saying what is wanted; only Validate checks its bounds.
func (f *Field) Set(c *Config, text string) error {
	bad := func(want string) error { return field.Errorf(f.Key, human.Quote(text), "%s", want).Wrapping(ErrConfig) }
	switch p := f.Ptr(c).(type) {
	case *string:
		*p = text
	case *int:
		n, err := strconv.ParseInt(text, 0, strconv.IntSize)
		if err != nil {
			return bad("want an integer")
		}
		*p = int(n)
	case *float64:
		x, err := strconv.ParseFloat(text, 64)
		if err != nil {
			return bad("want a number")
		}
		*p = x
	case *bool:
		b, err := strconv.ParseBool(text)
		if err != nil {
			return bad("want true or false")
		}
		*p = b
	case *uint64:
		n, err := strconv.ParseUint(text, 0, 64)
		if err != nil {
			return bad("want a whole number >= 0")
		}
		*p = n
	case *[]int:
		v, err := f.Parse(text)
		if err != nil {
			return err
		}
		*p = v.([]int)
	default:
		panic(fmt.Sprintf("config: field %s has a value of an unknown type", f.Key))
	}
	return nil
}
