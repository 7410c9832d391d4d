package cli

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// whitePNG writes a w x h white PNG with the square [x0, x1) x [y0, y1)
// painted gray level v, and returns its path.
func whitePNG(t *testing.T, w, h, x0, y0, x1, y1 int, v uint8) string {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := uint8(255)
			if x >= x0 && x < x1 && y >= y0 && y < y1 {
				c = v
			}
			img.SetGray(x, y, color.Gray{c})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "drawing.png")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestPredictSaysNoDigitFoundAndExits2(t *testing.T) {
	run := t.TempDir() // the image is refused before any checkpoint is read
	tests := []struct {
		name, image, says string
	}{
		{"one pixel 1/255 darker than white", whitePNG(t, 280, 280, 140, 140, 141, 141, 254), "no digit found: the darkest ink differs from the paper by 1/255"},
		{"a single dot", whitePNG(t, 28, 28, 14, 14, 15, 15, 0), "no digit found: the ink covers only 1x1 pixels"},
		{"a blank page", whitePNG(t, 28, 28, 0, 0, 0, 0, 0), "no digit found: the image is blank"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := mainOut("predict", run, tt.image)
			if code != ExitUsage || stdout != "" || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, tt.says) || !strings.Contains(stderr, tt.image) {
				t.Errorf("exit %d, stdout %q, stderr %q; want %d and one line naming the image and saying %q", code, stdout, stderr, ExitUsage, tt.says)
			}
		})
	}
}
