package field_test

import (
	"errors"
	"fmt"

	"github.com/neurona/neurona/internal/field"
)

var errConfig = errors.New("invalid configuration")

// The engine reports a bad value; a front end names the setting its way.
func ExampleError() {
	err := fmt.Errorf("check: %w", field.Errorf("lr", "-1", "must be a number > 0").Wrapping(errConfig))
	fmt.Println(err)
	fmt.Println(errors.Is(err, errConfig))
	if fe, ok := field.As(err); ok {
		fmt.Printf("--%s %s (%s)\n", fe.Key, fe.Value, fe.Problem)
	}
	// Output:
	// check: invalid configuration: lr -1: must be a number > 0
	// true
	// --lr -1 (must be a number > 0)
}
