package serve

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"strings"
	"testing"
)

// padDrawing is a PNG of the pad's 280x280 white canvas with the square
// [x0, x1) x [y0, y1) painted gray level v.
func padDrawing(t *testing.T, x0, y0, x1, y1 int, v uint8) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, 280, 280))
	for y := range 280 {
		for x := range 280 {
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
	return buf.Bytes()
}

// TestPredictFindsNoDigitInANearlyBlankPad: the pad's drawings go through
// the same preprocessing as `neurona predict`'s PNG files, which refuses
// faint ink and specks; the answer is a 422 whose JSON error the pad shows.
func TestPredictFindsNoDigitInANearlyBlankPad(t *testing.T) {
	dir, _ := runsDir(t)
	_, hs := newServer(t, dir)
	tests := []struct {
		name string
		body []byte
		code int
		says string
	}{
		{"one pixel 1/255 darker than white", padDrawing(t, 140, 140, 141, 141, 254), http.StatusUnprocessableEntity, "no digit found: the darkest ink differs from the paper by 1/255"},
		{"a single dot", padDrawing(t, 100, 100, 118, 118, 0), http.StatusUnprocessableEntity, "no digit found: the ink covers only 18x18 pixels"},
		{"a header of 4194304x1 pixels (2048x2048 in all)", pngHeader(4194304, 1), http.StatusRequestEntityTooLarge, "4194304x1 pixels (at most 2048x2048)"},
		{"a digit-sized stroke is answered", padDrawing(t, 135, 40, 145, 240, 0), http.StatusOK, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := hs.Client().Post(hs.URL+"/api/runs/digits/predict", "image/png", bytes.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			raw, err := io.ReadAll(res.Body)
			if err != nil {
				t.Fatal(err)
			}
			var e errorBody
			if res.StatusCode != tt.code || tt.says != "" && (json.Unmarshal(raw, &e) != nil || !strings.Contains(e.Error, tt.says)) {
				t.Errorf("status %d, body %.200s; want %d saying %q", res.StatusCode, raw, tt.code, tt.says)
			}
		})
	}
}
