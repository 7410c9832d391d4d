package viz

import (
	"math"
	"strings"

	"golang.org/x/image/font"
)

// MaxTile is the most screen pixels an image takes on either side in a
// grid of images or of weight maps. Larger ones (an image of 1000x1000
// pixels, or 100x100 at --scale 10) are shrunk to fit, keeping their
// aspect ratio, each screen pixel the mean of the image pixels it covers.
//
// 320 keeps MNIST's largest tiles (28x28 at --scale 10, 280 pixels) as they
// are, and bounds the pictures: misclassified.png's 100 tiles stay under
// 4,000 pixels a side whatever the images, and data show's 1,000 under
// what MNIST at --scale 10 already takes.
const MaxTile = 320

// TileSize returns the width and height, in screen pixels, of an image of
// rows x cols pixels drawn scale times larger: cols*scale x rows*scale, or
// shrunk so that neither side exceeds MaxTile. An image without pixels
// (rows or cols below 1) takes no room.
func TileSize(rows, cols, scale int) (w, h int) {
	if rows < 1 || cols < 1 {
		return 0, 0
	}
	scale = max(scale, 1)
	long := max(rows, cols)
	if long <= MaxTile/scale { // long*scale <= MaxTile, without overflow
		return cols * scale, rows * scale
	}
	return max(1, cols*MaxTile/long), max(1, rows*MaxTile/long)
}

// resample returns the w x h screen pixels (row-major) of a rows x cols
// image whose pixel i has value at(i): each the mean of the image pixels
// it covers, or of the one under it where it covers less than one.
func resample(rows, cols, w, h int, at func(i int) float64) []float64 {
	out := make([]float64, w*h)
	for dy := range h {
		y0, y1 := span(dy, h, rows)
		for dx := range w {
			x0, x1 := span(dx, w, cols)
			var sum float64
			for y := y0; y < y1; y++ {
				for x := x0; x < x1; x++ {
					sum += at(y*cols + x)
				}
			}
			out[dy*w+dx] = sum / float64((y1-y0)*(x1-x0))
		}
	}
	return out
}

// span returns the image pixels [lo, hi) that screen pixel d of n covers
// on a side of size pixels: at least one.
func span(d, n, size int) (lo, hi int) {
	lo = d * size / n
	hi = max((d+1)*size/n, lo+1)
	return lo, min(hi, size)
}

// grey is the paper-and-ink shade of MNIST intensity v (0 background, 255
// ink): dark ink on white paper.
func grey(v float64) uint8 {
	return 255 - uint8(math.Round(min(max(v, 0), 255)))
}

// truncate returns s, or as much of it as fits in width pixels of face
// with its middle replaced by "…" (cutMiddle); "" when not even "…" fits.
// Every picture cuts its labels through truncate or shorten.
func truncate(face font.Face, s string, width int) string {
	if textWidth(face, s) <= width {
		return s
	}
	runes := []rune(s)
	for n := len(runes) - 1; n > 0; n-- {
		if t := cutMiddle(runes, n); textWidth(face, t) <= width {
			return t
		}
	}
	if textWidth(face, "…") <= width {
		return "…"
	}
	return ""
}

// shorten returns s cut to at most n runes, one of them "…" (cutMiddle):
// for names joined into one caption, so that each keeps a part.
func shorten(s string, n int) string {
	runes := []rune(s)
	if len(runes) <= n || n < 2 {
		return s
	}
	return cutMiddle(runes, n-1)
}

// cutMiddle keeps keep runes of runes, its start and its end (the start
// one rune longer when keep is odd), joined by "…". Names that share a
// long prefix ("WWWW…alpha", "WWWW…beta") or a long suffix stay apart,
// where cutting the end alone would draw them all alike.
func cutMiddle(runes []rune, keep int) string {
	head := (keep + 1) / 2
	tail := keep - head
	return strings.TrimRight(string(runes[:head]), " ") + "…" + strings.TrimLeft(string(runes[len(runes)-tail:]), " ")
}
