// Package field names the setting an error is about, so that the engine
// says what is wrong without speaking any front end's words and each front
// end names the setting its own way: the command line as a flag (--lr),
// a configuration file as its key at FILE:LINE.
//
//	err := field.Errorf("lr", "-1", "must be a number > 0")
//	var fe *field.Error
//	if errors.As(err, &fe) {
//		fmt.Printf("--%s %s (%s)\n", fe.Key, fe.Value, fe.Problem)
//	}
package field

import (
	"errors"
	"fmt"
)

// Error is a setting's value that is wrong.
type Error struct {
	// Key is the setting's key, as a configuration file spells it and as
	// the command line's flag is named without its dashes: "lr",
	// "batch-size", "hidden".
	Key string
	// Value is the value given, as text (empty when the problem is the
	// setting's presence, not its value).
	Value string
	// Problem says what is wrong and what is accepted, in words that name
	// no front end: "must be a number > 0".
	Problem string
	// Err is a sentinel the error also matches (errors.Is), if any.
	Err error
}

// Errorf returns an Error about key's value, its problem formatted.
func Errorf(key, value, format string, args ...any) *Error {
	return &Error{Key: key, Value: value, Problem: fmt.Sprintf(format, args...)}
}

// Wrapping returns a copy of e that also matches sentinel.
func (e *Error) Wrapping(sentinel error) *Error {
	c := *e
	c.Err = sentinel
	return &c
}

// Error says it as the engine's own words: "lr -1: must be a number > 0".
func (e *Error) Error() string {
	prefix := ""
	if e.Err != nil {
		prefix = e.Err.Error() + ": "
	}
	if e.Value == "" {
		return prefix + e.Key + ": " + e.Problem
	}
	return prefix + e.Key + " " + e.Value + ": " + e.Problem
}

// Unwrap returns the sentinel.
func (e *Error) Unwrap() error { return e.Err }

// As returns the Error in err's chain, if any.
func As(err error) (*Error, bool) {
	var fe *Error
	ok := errors.As(err, &fe)
	return fe, ok
}
