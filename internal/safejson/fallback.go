//go:build !goexperiment.jsonv2 || go1.27

package safejson

import "errors"

// useDefault is what a marshal function returns to leave a value to the
// default encoding.
var useDefault = errors.ErrUnsupported
