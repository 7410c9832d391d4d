package report

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html/template"
	"image/png"

	"github.com/neurona/neurona/internal/safefile"
)

// Bounds on a PNG file ReadPNG embeds: a run's pictures are well under
// them (misclassified.png, the largest, is about 130 kB and 1,100 pixels
// wide).
const (
	maxPNGBytes = 8 << 20
	maxPNGSide  = 8192
)

// ReadPNG reads the PNG file path for embedding in a page: a regular
// file of at most 8 MB whose header says a PNG of at most 8192 pixels a
// side. The bytes are embedded as they are (not decoded and encoded
// again).
func ReadPNG(path string) ([]byte, error) {
	b, err := safefile.ReadFileNoFollow(path, maxPNGBytes) // a picture of the run folder is in it
	if err != nil {
		return nil, err
	}
	if err := checkPNG(b); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return b, nil
}

// checkPNG checks that b starts as a PNG of at most maxPNGSide pixels a
// side, from its header alone.
func checkPNG(b []byte) error {
	cfg, err := png.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("not a PNG: %w", err)
	}
	if cfg.Width < 1 || cfg.Height < 1 || cfg.Width > maxPNGSide || cfg.Height > maxPNGSide {
		return fmt.Errorf("%dx%d pixels (at most %d a side)", cfg.Width, cfg.Height, maxPNGSide)
	}
	return nil
}

// pngURI is a data: URI of PNG bytes.
func pngURI(b []byte) template.URL {
	return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(b))
}
