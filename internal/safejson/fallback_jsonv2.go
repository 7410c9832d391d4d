//go:build goexperiment.jsonv2 && !go1.27

package safejson

import jsonv2 "encoding/json/v2"

// useDefault: built with GOEXPERIMENT=jsonv2 before Go 1.27, the module is
// an alias of the standard library's experimental encoding/json/v2, which
// signals "use the default" with SkipFunc, where the module and Go 1.27
// use errors.ErrUnsupported. neurona's build does not set the experiment;
// this keeps a build that does from refusing every finite float.
var useDefault = jsonv2.SkipFunc
