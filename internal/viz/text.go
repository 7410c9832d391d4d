package viz

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"sync"

	"codeberg.org/go-fonts/liberation/liberationsansbold"
	"codeberg.org/go-fonts/liberation/liberationsansregular"
	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// Colours shared by the pictures.
var (
	paper     = color.RGBA{255, 255, 255, 255}
	ink       = color.RGBA{25, 25, 25, 255}
	muted     = color.RGBA{95, 95, 95, 255}
	frame     = color.RGBA{205, 205, 205, 255}
	mistakeFg = color.RGBA{190, 20, 20, 255} // captions of wrong predictions
	correctFg = color.RGBA{20, 120, 40, 255} // captions of right ones
)

// Text is set in Liberation Sans, the font gonum/plot embeds for the
// charts: the same on every machine, no font to install, and one look
// across pictures. basicfont's fixed 7x13 bitmap face was too small to read
// next to digits scaled up, and lacks the arrow of the misclassified
// captions; the Go fonts' slashed zero looked odd as a digit label.
var (
	regularFont = sync.OnceValues(func() (*opentype.Font, error) { return opentype.Parse(liberationsansregular.TTF) })
	boldFont    = sync.OnceValues(func() (*opentype.Font, error) { return opentype.Parse(liberationsansbold.TTF) })
)

// newFace returns a face of Liberation Sans at size pixels. Faces keep a glyph
// cache and are not safe for concurrent use, so each picture makes its own.
func newFace(size float64, bold bool) font.Face {
	load := regularFont
	if bold {
		load = boldFont
	}
	f, err := load()
	if err == nil {
		var face font.Face
		face, err = opentype.NewFace(f, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingFull})
		if err == nil {
			return face
		}
	}
	// The fonts are compiled in: failing to parse them is a bug, not an
	// input error.
	panic(fmt.Sprintf("viz: font: %v", err))
}

// textWidth is the advance of s in face, in pixels.
func textWidth(face font.Face, s string) int {
	return font.MeasureString(face, s).Ceil()
}

// lineHeight is the distance between baselines of face, in pixels.
func lineHeight(face font.Face) int {
	return face.Metrics().Height.Ceil()
}

// ascent is the height of face above its baseline, in pixels.
func ascent(face font.Face) int {
	return face.Metrics().Ascent.Ceil()
}

// drawText draws s with its baseline starting at (x, y).
func drawText(dst draw.Image, face font.Face, c color.Color, x, y int, s string) {
	d := font.Drawer{Dst: dst, Src: image.NewUniform(c), Face: face, Dot: fixed.P(x, y)}
	d.DrawString(s)
}

// drawCentered draws s centred on x, with its baseline at y.
func drawCentered(dst draw.Image, face font.Face, c color.Color, x, y int, s string) {
	drawText(dst, face, c, x-textWidth(face, s)/2, y, s)
}

// drawRight draws s ending at x, with its baseline at y.
func drawRight(dst draw.Image, face font.Face, c color.Color, x, y int, s string) {
	drawText(dst, face, c, x-textWidth(face, s), y, s)
}

// drawVertical draws s rotated a quarter turn anticlockwise (read bottom to
// top, as a y-axis label), centred on (cx, cy).
func drawVertical(dst draw.Image, face font.Face, c color.Color, cx, cy int, s string) {
	w, h := textWidth(face, s), lineHeight(face)
	tmp := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(tmp, tmp.Bounds(), image.NewUniform(color.Transparent), image.Point{}, draw.Src)
	drawText(tmp, face, c, 0, ascent(face), s)
	rot := image.NewRGBA(image.Rect(0, 0, h, w))
	for y := range h {
		for x := range w {
			rot.Set(y, w-1-x, tmp.At(x, y))
		}
	}
	r := image.Rect(cx-h/2, cy-w/2, cx-h/2+h, cy-w/2+w)
	draw.Draw(dst, r, rot, image.Point{}, draw.Over)
}

// newCanvas returns a white w x h image.
func newCanvas(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), image.NewUniform(paper), image.Point{}, draw.Src)
	return img
}

// strokeRect draws the 1-pixel outline of r.
func strokeRect(dst draw.Image, r image.Rectangle, c color.Color) {
	for x := r.Min.X; x < r.Max.X; x++ {
		dst.Set(x, r.Min.Y, c)
		dst.Set(x, r.Max.Y-1, c)
	}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		dst.Set(r.Min.X, y, c)
		dst.Set(r.Max.X-1, y, c)
	}
}

// fillRect fills r with c.
func fillRect(dst draw.Image, r image.Rectangle, c color.Color) {
	draw.Draw(dst, r, image.NewUniform(c), image.Point{}, draw.Src)
}

// WithTitle returns img below a title line in bold and, if note is not
// empty, a second line in grey that says how to read the picture.
func WithTitle(img image.Image, title, note string) image.Image {
	const margin = 12
	tf, nf := newFace(18, true), newFace(14, false)
	b := img.Bounds()
	w := max(b.Dx(), textWidth(tf, title)+2*margin, textWidth(nf, note)+2*margin)
	head := margin + lineHeight(tf)
	if note != "" {
		head += lineHeight(nf)
	}
	head += margin / 2
	out := newCanvas(w, head+b.Dy())
	drawText(out, tf, ink, margin, margin+ascent(tf), title)
	if note != "" {
		drawText(out, nf, muted, margin, margin+lineHeight(tf)+ascent(nf), note)
	}
	draw.Draw(out, image.Rect(0, head, b.Dx(), head+b.Dy()), img, b.Min, draw.Src)
	return out
}
