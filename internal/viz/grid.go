package viz

import (
	"image"
	"image/color"

	"github.com/neurona/neurona/data"
	"golang.org/x/image/font"
)

// Cell is one image of a DigitGrid.
type Cell struct {
	// Pixels are Rows*Cols intensities, row-major, 0 background and 255
	// ink, as MNIST's format stores them; missing pixels are drawn as
	// background. A cell without rows or columns draws no image.
	Pixels     []uint8
	Rows, Cols int
	Caption    string      // drawn in bold under the image: what to read first
	Detail     string      // drawn after the caption, in grey: e.g. a confidence
	Color      color.Color // of the caption; nil is near-black
}

// ImageCell returns a cell of image i of set, without a caption.
func ImageCell(set *data.Set, i int) Cell {
	return Cell{Pixels: set.Image(i), Rows: set.Rows, Cols: set.Cols}
}

// DigitGrid draws cells in rows of cols, each image scaled up scale times
// (shrunk instead where that would exceed MaxTile, see TileSize) with its
// caption underneath. The images are drawn as dark ink on white paper
// (MNIST's intensities inverted), which reads as handwriting.
//
// A column is as wide as the widest caption needs, up to about 14
// characters or the image's width if that is more; longer captions (class
// names are up to 64 bytes) are cut with "…", so captions never overlap
// whatever the scale. No cells give a small picture that says so.
func DigitGrid(cells []Cell, cols, scale int) image.Image {
	scale = max(scale, 1)
	cols = max(min(cols, len(cells)), 1)
	size := captionSize(scale)
	face, bold := newFace(size, false), newFace(size, true)
	const gap, pad = 10, 4 // between cells; between an image and its caption
	if len(cells) == 0 {
		// As tall as a row of 28x28 images (MNIST's) would be.
		cellH := 28*scale + pad + lineHeight(face)
		img := newCanvas(200, cellH)
		drawText(img, face, muted, gap, cellH/2, "(no images)")
		return img
	}
	var tileW, tileH, widest int
	for _, c := range cells {
		w, h := TileSize(c.Rows, c.Cols, scale)
		tileW, tileH = max(tileW, w), max(tileH, h)
		widest = max(widest, captionWidth(bold, face, c.Caption, c.Detail))
	}
	cellW := max(tileW, min(widest, maxCaptionWidth(tileW, size)))
	cellH := tileH + pad + lineHeight(face)
	rows := (len(cells) + cols - 1) / cols
	img := newCanvas(gap+cols*(cellW+gap), gap+rows*(cellH+gap))
	for i, c := range cells {
		x0 := gap + (i%cols)*(cellW+gap)
		y0 := gap + (i/cols)*(cellH+gap)
		w, h := TileSize(c.Rows, c.Cols, scale)
		tx, ty := x0+(cellW-w)/2, y0+(tileH-h)/2
		if w > 0 {
			drawDigit(img, c, tx, ty, w, h, scale)
			// A frame shows where the image's field ends: MNIST centres
			// digits by their centre of mass, so the margins say something.
			strokeRect(img, image.Rect(tx-1, ty-1, tx+w+1, ty+h+1), frame)
		}
		fg := c.Color
		if fg == nil {
			fg = ink
		}
		caption, detail := fitCaption(bold, face, c.Caption, c.Detail, cellW)
		x := x0 + (cellW-captionWidth(bold, face, caption, detail))/2
		y := y0 + tileH + pad + ascent(face)
		drawText(img, bold, fg, x, y, caption)
		if detail != "" {
			drawText(img, face, muted, x+textWidth(bold, caption+" "), y, detail)
		}
	}
	return img
}

// maxCaptionWidth is how wide a column may grow for its captions: about
// 14 characters of a face of size pixels, or the tile's width.
func maxCaptionWidth(tileW int, size float64) int {
	return max(tileW, int(14*size))
}

// captionWidth is the width of a caption in bold and its detail.
func captionWidth(bold, regular font.Face, caption, detail string) int {
	w := textWidth(bold, caption)
	if detail != "" {
		w += textWidth(bold, " ") + textWidth(regular, detail)
	}
	return w
}

// fitCaption cuts caption (and if need be drops detail) to fit in width
// pixels. The detail, a short number, is kept while the caption keeps
// more than its "…".
func fitCaption(bold, regular font.Face, caption, detail string, width int) (string, string) {
	if captionWidth(bold, regular, caption, detail) <= width {
		return caption, detail
	}
	if detail != "" {
		room := width - textWidth(bold, " ") - textWidth(regular, detail)
		if c := truncate(bold, caption, room); c != "" && c != "…" {
			return c, detail
		}
	}
	return truncate(bold, caption, width), ""
}

// captionSize is the caption font size for images scaled scale times:
// readable at scale 1, and in proportion to the digit above it.
func captionSize(scale int) float64 {
	return min(max(12, 5*float64(scale)), 22)
}

// drawDigit draws c's image as a w x h tile (TileSize of c at scale) with
// its top-left corner at (x0, y0): each pixel as a scale x scale square of
// grey 255-v, or, shrunk, each screen pixel the mean of those it covers.
func drawDigit(dst *image.RGBA, c Cell, x0, y0, w, h, scale int) {
	at := func(i int) float64 {
		if i < len(c.Pixels) {
			return float64(c.Pixels[i])
		}
		return 0
	}
	if w == c.Cols*scale && h == c.Rows*scale {
		for y := range c.Rows {
			for x := range c.Cols {
				g := grey(at(y*c.Cols + x))
				fillRect(dst, image.Rect(x0+x*scale, y0+y*scale, x0+(x+1)*scale, y0+(y+1)*scale), color.RGBA{g, g, g, 255})
			}
		}
		return
	}
	for i, v := range resample(c.Rows, c.Cols, w, h, at) {
		g := grey(v)
		dst.SetRGBA(x0+i%w, y0+i/w, color.RGBA{g, g, g, 255})
	}
}
