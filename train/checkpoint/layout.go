package checkpoint

import (
	"fmt"
	"math"

	"github.com/gomlx/compute/dtypes"
)

// checkLayout checks that each variable has a unique path, a known dtype of
// whole bytes, a shape of non-negative dimensions whose bytes (computed
// without overflow) are its Size, and that the variables tile blobSize
// bytes in order.
func checkLayout(dir string, vars []Variable, blobSize int64) error {
	seen := make(map[string]bool, len(vars))
	var next int64
	for _, v := range vars {
		bad := func(format string, args ...any) error {
			return fmt.Errorf("checkpoint %s: %s: variable %q: %s: %w", dir, VariablesFile, v.Path, fmt.Sprintf(format, args...), ErrCorrupt)
		}
		if v.Path == "" || seen[v.Path] {
			return bad("empty or repeated path")
		}
		seen[v.Path] = true
		size, ok := elemBytes(v.DType)
		if !ok {
			return bad("unsupported dtype %q", v.DType)
		}
		bytes, ok := ShapeBytes(size, v.Shape)
		if !ok {
			return bad("shape %v is negative or too large", v.Shape)
		}
		if bytes != v.Size {
			return bad("shape %v of %s is %d bytes, its size says %d", v.Shape, v.DType, bytes, v.Size)
		}
		if v.Offset != next || v.Size > blobSize-next {
			return bad("at [%d, +%d) outside %s of %d bytes (or out of order)", v.Offset, v.Size, BlobFile, blobSize)
		}
		next += v.Size
	}
	if next != blobSize {
		return fmt.Errorf("checkpoint %s: %s has %d bytes the variables do not use: %w", dir, BlobFile, blobSize-next, ErrCorrupt)
	}
	return nil
}

// elemBytes returns the bytes of one value of the GoMLX dtype named name,
// and false for an unknown dtype or one packed in fractions of a byte.
func elemBytes(name string) (size int64, ok bool) {
	defer func() {
		if recover() != nil { // a dtype without a Go type
			size, ok = 0, false
		}
	}()
	dtype, err := dtypes.DTypeString(name)
	if err != nil || dtype == dtypes.InvalidDType || dtype.IsPacked() || dtype.Bits()%8 != 0 || dtype.Bits() == 0 {
		return 0, false
	}
	return int64(dtype.Bits() / 8), true
}

// ShapeBytes returns elemBytes times the product of dims, and false if a
// dimension is negative or the product overflows int64.
func ShapeBytes(elemBytes int64, dims []int) (int64, bool) {
	if elemBytes < 0 {
		return 0, false
	}
	n := elemBytes
	for _, d := range dims {
		if d < 0 {
			return 0, false
		}
		if d != 0 && n > math.MaxInt64/int64(d) {
			return 0, false
		}
		n *= int64(d)
	}
	return n, true
}
