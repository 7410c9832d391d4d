package data

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"
)

// alsoPresent adds to an error about one file the other copies present, so
// that the user knows which one was read and that the others were not.
func alsoPresent(err error, others []string) error {
	if len(others) == 0 {
		return err
	}
	return fmt.Errorf("%w (read because it comes first; %s also present: keep only one)",
		err, strings.Join(others, " and "))
}

// sameCopies checks that each file in others holds the same IDX data as m,
// read from path, streaming the comparison so that no second copy is held.
func sameCopies(path string, m *IDX, others []string) error {
	for _, o := range others {
		if err := sameIDX(o, m); err != nil {
			return fmt.Errorf("%w: both %s and %s are present, and they differ: %w; keep only the right one",
				ErrAmbiguous, path, o, err)
		}
	}
	return nil
}

// sameIDX reads the IDX file at path and compares it with m chunk by chunk.
func sameIDX(path string, m *IDX) error {
	f, err := openIDXFile(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if !slices.Equal(f.dims(), m.Dims) {
		return fmt.Errorf("dimensions %v, not %v", f.dims(), m.Dims)
	}
	var buf [1 << 16]byte
	for off := 0; off < len(m.Data); {
		k, err := io.ReadFull(f.s.in, buf[:min(len(buf), len(m.Data)-off)])
		if err != nil {
			return fmt.Errorf("%s: %w", path, readError(fmt.Sprintf("data after %d of %d bytes", off+k, len(m.Data)), err))
		}
		if i := firstDiff(buf[:k], m.Data[off:off+k]); i >= 0 {
			return fmt.Errorf("data byte %d is %d, not %d", off+i, buf[i], m.Data[off+i])
		}
		off += k
	}
	if k, err := io.ReadFull(f.s.in, buf[:1]); k > 0 {
		return fmt.Errorf("%s: %w: data continues after the %d bytes the dimensions declare", path, ErrSizeMismatch, len(m.Data))
	} else if err != io.EOF {
		return fmt.Errorf("%s: %w", path, readError("end of data", err))
	}
	return nil
}

// firstDiff returns the first index where a and b (of equal length) differ, or -1.
func firstDiff(a, b []byte) int {
	if bytes.Equal(a, b) {
		return -1
	}
	for i := range a {
		if a[i] != b[i] {
			return i
		}
	}
	return -1
}
