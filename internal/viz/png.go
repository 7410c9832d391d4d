package viz

import (
	"bytes"
	"fmt"
	"image"
	"image/png"

	"github.com/neurona/neurona/internal/atomicfile"
)

// EncodePNG returns img as a PNG file, compressed for size: the pictures
// are mostly flat colour and end up embedded in report.html.
func EncodePNG(img image.Image) ([]byte, error) {
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("viz: encode PNG: %w", err)
	}
	return buf.Bytes(), nil
}

// WritePNG writes img to path as a PNG file.
func WritePNG(path string, img image.Image) error {
	b, err := EncodePNG(img)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return atomicfile.WriteFile(path, b)
}
