package train

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// SummaryFile is the name of a run folder's summary.
const SummaryFile = "summary.json"

// maxSummaryBytes bounds the summary.json read back: a real one is a few
// kilobytes.
const maxSummaryBytes = 16 << 20

// ReadSummary reads the summary.json of the run folder runDir. A missing
// file gives an error wrapping fs.ErrNotExist; one larger than 16 MB or
// not JSON gives an error naming it.
func ReadSummary(runDir string) (*Summary, error) {
	path := filepath.Join(runDir, SummaryFile)
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxSummaryBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(b) > maxSummaryBytes {
		return nil, fmt.Errorf("%s: larger than %d MB", path, maxSummaryBytes>>20)
	}
	var s Summary
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &s, nil
}
