package train

import (
	"encoding/json"
	"fmt"
	"path/filepath"

	"github.com/neurona/neurona/internal/safefile"
)

// SummaryFile is the name of a run folder's summary.
const SummaryFile = "summary.json"

// maxSummaryBytes bounds the summary.json read back: a real one is a few
// kilobytes.
const maxSummaryBytes = 16 << 20

// ReadSummary reads the summary.json of the run folder runDir. A missing
// file gives an error wrapping fs.ErrNotExist; a named pipe, device or
// folder one wrapping safefile.ErrNotRegular (it is never opened); one
// larger than 16 MB one wrapping safefile.ErrTooLarge (never read); one
// not JSON an error naming it.
func ReadSummary(runDir string) (*Summary, error) {
	path := filepath.Join(runDir, SummaryFile)
	b, err := safefile.ReadFile(path, maxSummaryBytes)
	if err != nil {
		return nil, err
	}
	var s Summary
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &s, nil
}
