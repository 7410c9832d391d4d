package viz

import (
	"image"
	"image/color"

	"golang.org/x/image/font"
)

// Side is the width and height of an MNIST image, in pixels.
const Side = 28

// Cell is one digit of a DigitGrid.
type Cell struct {
	// Pixels are Side*Side intensities, row-major, 0 background and 255
	// ink, as MNIST stores them; missing pixels are drawn as background.
	Pixels  []uint8
	Caption string      // drawn in bold under the digit: what to read first
	Detail  string      // drawn after the caption, in grey: e.g. a confidence
	Color   color.Color // of the caption; nil is near-black
}

// DigitGrid draws cells in rows of cols, each digit scaled up scale times
// with its caption underneath. The digits are drawn as dark ink on white
// paper (MNIST's intensities inverted), which reads as handwriting.
//
// A column is as wide as the widest caption needs, so captions never
// overlap whatever the scale. No cells give a small picture that says so.
func DigitGrid(cells []Cell, cols, scale int) image.Image {
	scale = max(scale, 1)
	cols = max(min(cols, len(cells)), 1)
	face, bold := newFace(captionSize(scale), false), newFace(captionSize(scale), true)
	tile := Side * scale
	const gap, pad = 10, 4 // between cells; between a digit and its caption
	cellW := tile
	for _, c := range cells {
		cellW = max(cellW, captionWidth(bold, face, c))
	}
	cellH := tile + pad + lineHeight(face)
	if len(cells) == 0 {
		img := newCanvas(200, cellH)
		drawText(img, face, muted, gap, cellH/2, "(no images)")
		return img
	}
	rows := (len(cells) + cols - 1) / cols
	img := newCanvas(gap+cols*(cellW+gap), gap+rows*(cellH+gap))
	for i, c := range cells {
		x0 := gap + (i%cols)*(cellW+gap)
		y0 := gap + (i/cols)*(cellH+gap)
		tx := x0 + (cellW-tile)/2
		drawDigit(img, c.Pixels, tx, y0, scale)
		// A frame shows where the 28x28 field ends: MNIST centres digits by
		// their centre of mass, so the margins say something too.
		strokeRect(img, image.Rect(tx-1, y0-1, tx+tile+1, y0+tile+1), frame)
		fg := c.Color
		if fg == nil {
			fg = ink
		}
		x := x0 + (cellW-captionWidth(bold, face, c))/2
		y := y0 + tile + pad + ascent(face)
		drawText(img, bold, fg, x, y, c.Caption)
		if c.Detail != "" {
			drawText(img, face, muted, x+textWidth(bold, c.Caption+" "), y, c.Detail)
		}
	}
	return img
}

// captionWidth is the width of a cell's caption and detail.
func captionWidth(bold, regular font.Face, c Cell) int {
	w := textWidth(bold, c.Caption)
	if c.Detail != "" {
		w += textWidth(bold, " ") + textWidth(regular, c.Detail)
	}
	return w
}

// captionSize is the caption font size for digits scaled scale times:
// readable at scale 1, and in proportion to the digit above it.
func captionSize(scale int) float64 {
	return min(max(12, 5*float64(scale)), 22)
}

// drawDigit draws a 28x28 image with its top-left corner at (x0, y0), each
// pixel as a scale x scale square of grey 255-v.
func drawDigit(dst *image.RGBA, pixels []uint8, x0, y0, scale int) {
	for y := range Side {
		for x := range Side {
			var v uint8
			if i := y*Side + x; i < len(pixels) {
				v = pixels[i]
			}
			g := 255 - v
			fillRect(dst, image.Rect(x0+x*scale, y0+y*scale, x0+(x+1)*scale, y0+(y+1)*scale), color.RGBA{g, g, g, 255})
		}
	}
}
