package data

import (
	"errors"
	"image"
	"image/color"
	"strings"
	"testing"
)

// with returns img with the rectangle [x0, x1) x [y0, y1) painted c.
func with(img *image.NRGBA, x0, y0, x1, y1 int, c color.Color) *image.NRGBA {
	fill(img, x0, y0, x1, y1, c)
	return img
}

func TestImageToMNISTFindsNoDigitInFaintInkOrASpeck(t *testing.T) {
	white := color.Gray{255}
	tests := []struct {
		name  string
		img   image.Image
		digit bool   // a digit is found
		says  string // in the error, when none is
	}{
		{"a white page is blank", canvas(280, 280, white), false, "the image is blank"},
		{"one pixel 1/255 darker than white is no digit", with(canvas(280, 280, white), 140, 140, 141, 141, color.Gray{254}), false, "differs from the paper by 1/255"},
		{"a stroke 20/255 darker than white is too faint", with(canvas(280, 280, white), 130, 40, 150, 240, color.Gray{235}), false, "differs from the paper by 20/255"},
		{"a single black pixel on a 28x28 page is a speck", with(canvas(28, 28, white), 14, 14, 15, 15, color.Gray{0}), false, "covers only 1x1 pixels"},
		{"a dot of 18 pixels on the pad's 280x280 canvas is a speck", with(canvas(280, 280, white), 100, 100, 118, 118, color.Gray{0}), false, "covers only 18x18 pixels of the 280x280 image"},
		{"a stroke 30/255 darker than white is faint ink, still a digit", with(canvas(280, 280, white), 130, 40, 150, 240, color.Gray{225}), true, ""},
		{"a thin tall one on the pad is a digit", with(canvas(280, 280, white), 138, 40, 142, 240, color.Gray{0}), true, ""},
		{"a 20-pixel stroke on a 28x28 page is a digit", with(canvas(28, 28, white), 13, 4, 15, 24, color.Gray{0}), true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			px, err := ImageToMNIST(tt.img)
			switch {
			case tt.digit && err != nil:
				t.Errorf("error %v, want a digit", err)
			case !tt.digit && (!errors.Is(err, ErrBlankImage) || !strings.Contains(err.Error(), tt.says)):
				t.Errorf("got %d pixels, error %v; want %v saying %q", len(px), err, ErrBlankImage, tt.says)
			case !tt.digit && !strings.HasPrefix(err.Error(), "data: no digit found: "):
				t.Errorf("error %q does not start with \"data: no digit found: \"", err)
			}
		})
	}
}

func TestCheckImageSizeChecksEachSide(t *testing.T) {
	tests := []struct {
		name          string
		width, height int
		ok            bool
	}{
		{"2048x2048 is the largest", 2048, 2048, true},
		{"1x1 is accepted", 1, 1, true},
		{"4194304x1 has 2048x2048 pixels but is too wide", 4194304, 1, false},
		{"1x4194304 is too tall", 1, 4194304, false},
		{"2049x1 is too wide", 2049, 1, false},
		{"0x10 is empty", 0, 10, false},
		{"a negative side is refused", -1, 10, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckImageSize(tt.width, tt.height, 2048)
			if tt.ok != (err == nil) || err != nil && !errors.Is(err, ErrImageSize) {
				t.Errorf("CheckImageSize(%d, %d, 2048) = %v, want ok %v (else %v)", tt.width, tt.height, err, tt.ok, ErrImageSize)
			}
		})
	}
}
