package checkpoint

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"
)

// ErrNonFinite: a floating-point variable holds a NaN or an infinity. Such
// weights predict nothing (every class scores NaN), so Open and Verify
// refuse them; it wraps ErrCorrupt too.
var ErrNonFinite = errors.New("checkpoint: a variable holds NaN or infinity")

// floatBytes is the size of one value of the floating-point dtype named
// name, 0 for a dtype that is not floating point.
func floatBytes(name string) int {
	switch strings.ToLower(name) {
	case "float16", "bfloat16":
		return 2
	case "float32":
		return 4
	case "float64":
		return 8
	}
	return 0
}

// finiteValue reports whether the little-endian value b of the
// floating-point dtype dtype is finite, and its value as a float64.
func finiteValue(dtype string, b []byte) (float64, bool) {
	switch strings.ToLower(dtype) {
	case "float16":
		u := binary.LittleEndian.Uint16(b)
		if u&0x7c00 != 0x7c00 { // the exponent is not all ones: finite
			return 0, true // its value is not needed
		}
		if u&0x3ff != 0 {
			return math.NaN(), false
		}
		return math.Inf(1 - 2*int(u>>15)), false
	case "bfloat16":
		u := binary.LittleEndian.Uint16(b)
		return float64(math.Float32frombits(uint32(u) << 16)), u&0x7f80 != 0x7f80
	case "float32":
		f := float64(math.Float32frombits(binary.LittleEndian.Uint32(b)))
		return f, !math.IsNaN(f) && !math.IsInf(f, 0)
	case "float64":
		f := math.Float64frombits(binary.LittleEndian.Uint64(b))
		return f, !math.IsNaN(f) && !math.IsInf(f, 0)
	}
	return 0, true
}

// FirstNonFinite returns the index and value of the first NaN or infinity
// in data, the little-endian values of a variable of dtype, and false if
// there is none (or dtype is not floating point).
func FirstNonFinite(dtype string, data []byte) (index int, value float64, found bool) {
	size := floatBytes(dtype)
	if size == 0 {
		return 0, 0, false
	}
	for i := 0; i+size <= len(data); i += size {
		if v, ok := finiteValue(dtype, data[i:i+size]); !ok {
			return i / size, v, true
		}
	}
	return 0, 0, false
}

// finiteCheck is fed variables.bin in order (an io.Writer, next to the
// checksum's hash) and records the first non-finite value of a
// floating-point variable. Its Write never fails: a wrong checksum is
// reported before a NaN.
type finiteCheck struct {
	dir   string
	vars  []Variable // in order, tiling the file (checkLayout)
	i     int        // the variable being read
	seen  int64      // bytes of it already seen
	split []byte     // a value cut between two writes
	err   error
}

func newFiniteCheck(dir string, vars []Variable) *finiteCheck {
	return &finiteCheck{dir: dir, vars: vars}
}

func (c *finiteCheck) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 && c.err == nil && c.i < len(c.vars) {
		v := c.vars[c.i]
		take := min(int64(len(p)), v.Size-c.seen)
		chunk := p[:take]
		p = p[take:]
		if size := floatBytes(v.DType); size > 0 {
			c.scan(v, size, chunk)
		}
		c.seen += take
		if c.seen == v.Size {
			c.i, c.seen, c.split = c.i+1, 0, c.split[:0]
		}
	}
	return n, nil
}

// scan checks chunk, the bytes of v after the c.seen already seen.
func (c *finiteCheck) scan(v Variable, size int, chunk []byte) {
	first := c.seen / int64(size) // index of the value chunk starts (or continues)
	if len(c.split) > 0 {
		need := min(size-len(c.split), len(chunk))
		c.split = append(c.split, chunk[:need]...)
		chunk = chunk[need:]
		if len(c.split) < size {
			return
		}
		if value, ok := finiteValue(v.DType, c.split); !ok {
			c.fail(v, int(first), value)
			return
		}
		c.split, first = c.split[:0], first+1
	}
	whole := len(chunk) / size * size
	if i, value, found := FirstNonFinite(v.DType, chunk[:whole]); found {
		c.fail(v, int(first)+i, value)
		return
	}
	c.split = append(c.split, chunk[whole:]...)
}

func (c *finiteCheck) fail(v Variable, index int, value float64) {
	c.err = Inconsistent(fmt.Errorf("checkpoint %s: %s: variable %q holds %v at index %d: %w", c.dir, BlobFile, v.Path, value, index, ErrNonFinite))
}
