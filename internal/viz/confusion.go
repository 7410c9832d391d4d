package viz

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"strconv"

	"github.com/neurona/neurona/data"
	"golang.org/x/image/font"
)

// Sizes of the confusion matrix picture.
const (
	// confusionCell is a cell's side for up to 31 classes (MNIST's 10).
	confusionCell = 58
	// maxConfusionGrid bounds the side of the cells' square: with more
	// classes the cells shrink (7 pixels for 256 classes), so the picture
	// stays about 2,100 pixels a side at most.
	maxConfusionGrid = 1800
	// maxConfusionClasses is the most classes drawn, one pixel each;
	// datasets have at most data.MaxClasses, so only a malformed
	// evaluation has more.
	maxConfusionClasses = maxConfusionGrid
	// maxClassLabel bounds a class name's label, in pixels: longer names
	// are cut with "…".
	maxClassLabel = 120
	// minFontSize is the smallest text drawn; smaller cells go without.
	minFontSize = 9.0
)

// ConfusionImage draws the confusion matrix m (m[true][predicted]
// counts) as a heat map with the count in each cell, each row's recall on
// the right and each column's precision at the bottom; rows and columns
// are labelled with the classes' names (cut to fit) or numbers.
//
// The diagonal and the mistakes use two colour scales: on one scale the
// diagonal's thousands would leave every mistake white. Correct counts are
// blue by the share of their row; mistakes are red in proportion to the
// largest mistake, so the common confusions (a 4 read as 9) stand out and
// a single slip stays pale but visible.
//
// Up to 31 classes, cells are 58 pixels; beyond, they shrink to keep the
// cells' square within 1,800 pixels, the text shrinks with them down to 9
// pixels, and what no longer fits is left out: the counts, the labels of
// every other class, recall and precision as numbers (then drawn as shades
// of blue). The footnote says what was left out.
func ConfusionImage(m [][]int, classes data.Classes) image.Image {
	k := min(len(m), maxConfusionClasses)
	cell := confusionCell
	if k*cell > maxConfusionGrid {
		cell = max(1, maxConfusionGrid/k)
	}
	const margin = 14
	size := min(15, max(minFontSize, 0.6*float64(cell)))
	title, num, label := newFace(18, true), newFace(size, false), newFace(size, true)
	get := func(t, p int) int {
		if p < len(m[t]) {
			return m[t][p]
		}
		return 0
	}
	var total, correct, maxOff, widest int
	rowSum, colSum := make([]int, k), make([]int, k)
	for t := range k {
		for p := range k {
			n := get(t, p)
			total += n
			rowSum[t] += n
			colSum[p] += n
			if p == t {
				correct += n
			} else {
				maxOff = max(maxOff, n)
			}
			widest = max(widest, textWidth(num, strconv.Itoa(n)))
		}
	}
	heading := fmt.Sprintf("Confusion matrix: %d images, %d correct", total, correct)
	if total > 0 {
		heading += fmt.Sprintf(" (accuracy %.2f%%)", 100*float64(correct)/float64(total))
	}
	if k < len(m) {
		heading += fmt.Sprintf(", the first %d of %d classes shown", k, len(m))
	}
	lh := lineHeight(num)
	// What fits: counts in the cells, labels for every class or every
	// every-th, recall and precision as numbers.
	counts := lh <= cell && widest <= cell-4
	every := max(1, (lh+cell-1)/cell)
	statsText := lh <= cell && textWidth(num, "100.0") <= cell-2
	names := make([]string, k)
	labelW := 0
	for i := range k {
		if i%every == 0 {
			names[i] = truncate(label, classes.Name(i), maxClassLabel)
			labelW = max(labelW, textWidth(label, names[i]))
		}
	}
	vertical := labelW > every*cell-4 // column labels read bottom to top
	colLabelH := lh
	if vertical {
		colLabelH = labelW + 6
	}
	statsW := max(cell, textWidth(label, "recall")+4)
	note := "recall and precision in %; blue: correct (share of the row), red: mistakes"
	if !statsText {
		note = "recall and precision: darker blue is higher; blue: correct (share of the row), red: mistakes"
	}
	if !counts && total > 0 {
		note += "; the cells are too small for their counts"
	}
	footFace := newFace(13, false)
	footH := max(lh, lineHeight(footFace))

	// Layout, left to right: axis label, class labels, k cells, recall.
	left := margin + lh + 8 + max(textWidth(label, "precision"), labelW) + 10
	top := margin + lineHeight(title) + 10 + lh + 4 + colLabelH
	gridW := k * cell
	w := max(left+gridW+8+statsW+margin, margin+textWidth(title, heading)+margin, margin+textWidth(footFace, note)+margin)
	h := top + gridW + 8 + lh + 6 + footH + margin
	img := newCanvas(w, h)

	noun := classes.Noun()
	drawText(img, title, ink, margin, margin+ascent(title), heading)
	drawCentered(img, label, ink, left+gridW/2, top-colLabelH-4-lh+ascent(num), "predicted "+noun)
	drawVertical(img, label, ink, margin+lh/2, top+gridW/2, "true "+noun)
	for i := range k {
		if names[i] == "" {
			continue
		}
		c := left + i*cell + cell/2
		if vertical {
			drawVertical(img, label, ink, c, top-6-textWidth(label, names[i])/2, names[i])
		} else {
			drawCentered(img, label, ink, c, top-6, names[i])
		}
		drawRight(img, label, ink, left-10, top+i*cell+cell/2+ascent(num)/2, names[i])
	}
	drawCentered(img, label, muted, left+gridW+8+statsW/2, top-6, "recall")
	drawRight(img, label, muted, left-10, top+gridW+8+ascent(num), "precision")

	for t := range k {
		for p := range k {
			n := get(t, p)
			r := image.Rect(left+p*cell, top+t*cell, left+(p+1)*cell, top+(t+1)*cell)
			bg := color.RGBA{255, 255, 255, 255}
			switch {
			case t == p && rowSum[t] > 0:
				bg = blend(color.RGBA{235, 242, 250, 255}, color.RGBA{33, 102, 172, 255}, float64(n)/float64(rowSum[t]))
			case n > 0 && maxOff > 0:
				bg = blend(color.RGBA{253, 236, 230, 255}, color.RGBA{178, 24, 43, 255}, float64(n)/float64(maxOff))
			}
			fillRect(img, r, bg)
			if cell >= 8 { // smaller cells would be all outline
				strokeRect(img, r, color.RGBA{230, 230, 230, 255})
			}
			if n > 0 && counts { // blank zeros keep the eye on the mistakes
				drawCentered(img, num, textOn(bg), r.Min.X+cell/2, r.Min.Y+cell/2+ascent(num)/2-1, strconv.Itoa(n))
			}
		}
		if rowSum[t] > 0 {
			r := image.Rect(left+gridW+8, top+t*cell, left+gridW+8+statsW, top+(t+1)*cell)
			drawShare(img, num, r, r.Min.Y+cell/2+ascent(num)/2-1, float64(get(t, t))/float64(rowSum[t]), statsText)
		}
	}
	for p := range k {
		if colSum[p] > 0 {
			r := image.Rect(left+p*cell, top+gridW+8, left+(p+1)*cell, top+gridW+8+lh)
			drawShare(img, num, r, r.Min.Y+ascent(num), float64(get(p, p))/float64(colSum[p]), statsText)
		}
	}
	strokeRect(img, image.Rect(left-1, top-1, left+gridW+1, top+gridW+1), muted)
	drawText(img, footFace, muted, margin, h-margin+2, note)
	return img
}

// drawShare draws share (a recall or precision) in r: as a percentage
// centred across r on the baseline y, or, where text does not fit, as r
// shaded from pale to dark blue.
func drawShare(dst *image.RGBA, face font.Face, r image.Rectangle, y int, share float64, text bool) {
	if text {
		drawCentered(dst, face, muted, (r.Min.X+r.Max.X)/2, y, fmt.Sprintf("%.1f", 100*share))
		return
	}
	fillRect(dst, r, blend(color.RGBA{235, 242, 250, 255}, color.RGBA{33, 102, 172, 255}, share))
}

// blend returns the colour f of the way from a to b (f clipped to [0, 1]).
func blend(a, b color.RGBA, f float64) color.RGBA {
	f = min(max(f, 0), 1)
	mix := func(x, y uint8) uint8 { return uint8(math.Round(float64(x) + f*(float64(y)-float64(x)))) }
	return color.RGBA{mix(a.R, b.R), mix(a.G, b.G), mix(a.B, b.B), 255}
}

// textOn returns black or white, whichever reads better on bg.
func textOn(bg color.RGBA) color.Color {
	lum := 0.299*float64(bg.R) + 0.587*float64(bg.G) + 0.114*float64(bg.B)
	if lum < 140 {
		return paper
	}
	return ink
}
