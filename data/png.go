package data

import (
	"bufio"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"slices"
)

// PNGSide is the side of the images LoadPNG and ImageToMNIST make: MNIST's
// 28x28 field. Models of other image sizes cannot predict PNG files.
const PNGSide = mnistSide

// Sizes of the MNIST preprocessing that ImageToMNIST reproduces.
const (
	mnistSide = 28 // the field
	digitSide = 20 // the box the digit is scaled to fit
	// inkThreshold is the intensity, on a 0..1 scale after the background is
	// removed, above which a pixel counts as ink for the bounding box: low
	// enough for faint pencil, high enough to ignore JPEG-like noise.
	inkThreshold = 0.1
	// MaxPNGSide bounds the images LoadPNG decodes, on each side: a
	// 4096x4096 image needs 64 MiB as RGBA and as much again as float32
	// gray levels.
	MaxPNGSide = 4096
	// minContrast is the least difference, on a 0..1 scale, between the
	// paper and the darkest ink for an image to hold a digit: 26/255 (a
	// tenth), so that an image one gray level off white is not stretched
	// into a digit out of its noise.
	minContrast = 26.0 / 255
	// minInkFraction and minInkPixels bound the ink's extent from below:
	// the longer side of its bounding box must be at least a tenth of the
	// image's shorter side and 3 pixels, so that a dot or a speck is not
	// scaled up into a 20x20 block and classified.
	minInkFraction = 10
	minInkPixels   = 3
)

// Errors of ImageToMNIST and LoadPNG.
var (
	// ErrBlankImage: the image holds no digit: blank, too faint (less
	// contrast than minContrast) or a speck (ink smaller than
	// minInkFraction of the image). The error says which.
	ErrBlankImage = errors.New("data: no digit found")
	ErrNotPNG     = errors.New("data: not a valid PNG image")
	ErrImageSize  = errors.New("data: image too large")
)

// LoadPNG reads the PNG file at path and converts it with ImageToMNIST.
// Its header is checked before the pixels are decoded: an image of more
// than 4096x4096 pixels is refused (ErrImageSize), a file that is not a PNG
// (or a damaged one) gives ErrNotPNG, and a missing file an error wrapping fs.ErrNotExist.
func LoadPNG(path string) ([]uint8, error) {
	f, _, err := openRegular(path) // a named pipe would block, a device never end
	if err != nil {
		return nil, err // names the file
	}
	defer f.Close() // read only: a close error loses nothing
	return decodePNG(path, f)
}

// decodePNG is LoadPNG on the contents r of the file named name.
func decodePNG(name string, r io.ReadSeeker) ([]uint8, error) {
	cfg, err := png.DecodeConfig(bufio.NewReader(r))
	if err != nil {
		return nil, fmt.Errorf("%s: %w (%v)", name, ErrNotPNG, err)
	}
	if err := CheckImageSize(cfg.Width, cfg.Height, MaxPNGSide); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	img, err := png.Decode(bufio.NewReader(r))
	if err != nil {
		return nil, fmt.Errorf("%s: %w (%v)", name, ErrNotPNG, err)
	}
	pixels, err := ImageToMNIST(img)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return pixels, nil
}

// CheckImageSize refuses (ErrImageSize) an image whose declared width or
// height is not 1 to side pixels: each side is checked, so that a
// 4194304x1 image does not pass a bound of 2048x2048 pixels in all.
func CheckImageSize(width, height, side int) error {
	if width < 1 || height < 1 || width > side || height > side {
		return fmt.Errorf("%w: %dx%d pixels (at most %dx%d)", ErrImageSize, width, height, side, side)
	}
	return nil
}

// ImageToMNIST converts a picture of one handwritten digit, of any size and
// colour model, into the 28x28 = 784 pixels (row-major, 0..255, white digit
// on black) a model trained on MNIST expects, the way the MNIST digits were
// prepared (LeCun et al.: "size normalized to fit in a 20x20 pixel box while
// preserving their aspect ratio ... centered in a 28x28 image by computing
// the center of mass of the pixels"):
//
//  1. Grayscale: the luminance (ITU-R 601 weights, as image/color's
//     GrayModel) of each pixel alpha-composited on white, so a transparent
//     background reads as paper.
//  2. Polarity: the median brightness of the border pixels is taken as the
//     background; if it is lighter than mid-gray the image is dark ink on
//     light paper and is inverted. The background level is then subtracted
//     and the contrast stretched so the darkest ink becomes 255.
//  3. Crop to the bounding box of the ink (pixels above 10% of full scale).
//     An image without a digit is an error (ErrBlankImage): one whose ink
//     differs from the paper by less than 26/255 (minContrast), or whose
//     ink's box is smaller, on its longer side, than a tenth of the image's
//     shorter side or 3 pixels (a dot or a speck).
//  4. Scale the box, preserving its aspect ratio, so that its longer side is
//     20 pixels, by area averaging (a box filter): each output pixel is the
//     mean of the input area it covers, so a stroke thinner than the
//     reduction factor stays as a gray line instead of vanishing, as it
//     could with point sampling. Small images are enlarged the same way.
//  5. Place the 20x20 (or narrower) box in a black 28x28 field shifted by
//     whole pixels so that its intensity-weighted center of mass falls on
//     pixel (14, 14) in row and column index, where the MNIST digits have
//     theirs on average; the box is kept inside the field when a lopsided
//     digit would push it out.
func ImageToMNIST(img image.Image) ([]uint8, error) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w <= 0 || h <= 0 {
		return nil, fmt.Errorf("%w: empty image", ErrBlankImage)
	}
	gray := luminance(img)
	contrast := normalizeInk(gray, w, h)
	if math.Round(float64(contrast)*255) == 0 {
		return nil, fmt.Errorf("%w: the image is blank (one shade throughout)", ErrBlankImage)
	}
	if contrast < minContrast {
		return nil, fmt.Errorf("%w: the darkest ink differs from the paper by %.0f/255 (a digit needs %.0f/255 or more)",
			ErrBlankImage, math.Round(float64(contrast)*255), math.Round(minContrast*255))
	}
	x0, y0, x1, y1, ok := inkBox(gray, w, h)
	if !ok {
		return nil, fmt.Errorf("%w: the image is blank", ErrBlankImage)
	}
	bw, bh := x1-x0, y1-y0
	if need := max(min(w, h)/minInkFraction, minInkPixels); max(bw, bh) < need {
		return nil, fmt.Errorf("%w: the ink covers only %dx%d pixels of the %dx%d image (a digit spans %d pixels or more, a tenth of the image; crop the image around it)",
			ErrBlankImage, bw, bh, w, h, need)
	}
	crop := make([]float32, bw*bh)
	for y := range bh {
		copy(crop[y*bw:(y+1)*bw], gray[(y0+y)*w+x0:(y0+y)*w+x1])
	}
	scale := float64(digitSide) / float64(max(bw, bh))
	sw := min(max(int(math.Round(float64(bw)*scale)), 1), digitSide)
	sh := min(max(int(math.Round(float64(bh)*scale)), 1), digitSide)
	scaled := resizeArea(crop, bw, bh, sw, sh)
	return center(scaled, sw, sh), nil
}

// luminance returns the gray level of each pixel of img in 0..1 (1 white),
// composited on white.
func luminance(img image.Image) []float32 {
	b := img.Bounds()
	w := b.Dx()
	out := make([]float32, w*b.Dy())
	rgba64, fast := img.(image.RGBA64Image)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			var c color.RGBA64
			if fast {
				c = rgba64.RGBA64At(x, y)
			} else {
				r, g, bl, a := img.At(x, y).RGBA()
				c = color.RGBA64{uint16(r), uint16(g), uint16(bl), uint16(a)}
			}
			// Premultiplied colour over white: c + (1 - alpha) * white.
			bg := float64(0xffff - uint32(c.A))
			r, g, bl := float64(c.R)+bg, float64(c.G)+bg, float64(c.B)+bg
			out[(y-b.Min.Y)*w+(x-b.Min.X)] = float32((0.299*r + 0.587*g + 0.114*bl) / 0xffff)
		}
	}
	return out
}

// normalizeInk turns gray levels into ink intensities in place: 0 for the
// background, 1 for the strongest ink, inverting dark-on-light images. It
// returns the contrast it stretched: the strongest ink's difference from
// the background, 0..1.
func normalizeInk(gray []float32, w, h int) float32 {
	border := make([]float32, 0, 2*(w+h))
	for x := range w {
		border = append(border, gray[x], gray[(h-1)*w+x])
	}
	for y := 1; y < h-1; y++ {
		border = append(border, gray[y*w], gray[y*w+w-1])
	}
	slices.Sort(border)
	bg := border[len(border)/2]
	if bg > 0.5 { // light paper: ink is dark
		for i, v := range gray {
			gray[i] = 1 - v
		}
		bg = 1 - bg
	}
	peak := slices.Max(gray)
	if peak-bg < 1e-3 { // nothing stands out from the background
		clear(gray)
		return max(peak-bg, 0)
	}
	for i, v := range gray {
		gray[i] = min(max((v-bg)/(peak-bg), 0), 1)
	}
	return peak - bg
}

// inkBox returns the bounding box [x0, x1) x [y0, y1) of the pixels above
// inkThreshold, and false if there are none.
func inkBox(ink []float32, w, h int) (x0, y0, x1, y1 int, ok bool) {
	x0, y0 = w, h
	for y := range h {
		for x := range w {
			if ink[y*w+x] > inkThreshold {
				x0, y0 = min(x0, x), min(y0, y)
				x1, y1 = max(x1, x+1), max(y1, y+1)
			}
		}
	}
	return x0, y0, x1, y1, x1 > x0
}

// resizeArea resizes a w x h image to dw x dh by area averaging. The box
// filter is separable: rows first, then columns.
func resizeArea(src []float32, w, h, dw, dh int) []float32 {
	tmp := make([]float32, dw*h)
	for y := range h {
		resample(src[y*w:(y+1)*w], 1, tmp[y*dw:(y+1)*dw], 1, w, dw)
	}
	dst := make([]float32, dw*dh)
	for x := range dw {
		resample(tmp[x:], dw, dst[x:], dw, h, dh)
	}
	return dst
}

// resample box-filters n samples of src (stride ss) into m samples of dst
// (stride ds): output i averages the input interval [i*n/m, (i+1)*n/m),
// weighting the input samples by how much of each it covers.
func resample(src []float32, ss int, dst []float32, ds int, n, m int) {
	step := float64(n) / float64(m)
	for i := range m {
		lo, hi := float64(i)*step, float64(i+1)*step
		var sum float64
		for j := int(lo); j < n && float64(j) < hi; j++ {
			cover := math.Min(hi, float64(j+1)) - math.Max(lo, float64(j))
			sum += cover * float64(src[j*ss])
		}
		dst[i*ds] = float32(sum / step)
	}
}

// center places a w x h (at most 20x20) ink image in a black 28x28 field
// with its center of mass at pixel (14, 14), and converts it to 0..255.
func center(ink []float32, w, h int) []uint8 {
	var mass, mx, my float64
	for y := range h {
		for x := range w {
			v := float64(ink[y*w+x])
			mass += v
			mx += v * float64(x)
			my += v * float64(y)
		}
	}
	ox, oy := (mnistSide-w)/2, (mnistSide-h)/2
	if mass > 0 {
		ox = int(math.Round(mnistSide/2 - mx/mass))
		oy = int(math.Round(mnistSide/2 - my/mass))
	}
	ox, oy = min(max(ox, 0), mnistSide-w), min(max(oy, 0), mnistSide-h)
	out := make([]uint8, mnistSide*mnistSide)
	for y := range h {
		for x := range w {
			out[(oy+y)*mnistSide+ox+x] = uint8(math.Round(float64(min(max(ink[y*w+x], 0), 1)) * 255))
		}
	}
	return out
}
