package viz

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"strconv"
)

// ConfusionImage draws the confusion matrix m (m[true][predicted] counts)
// as a heat map with the count in each cell, each row's recall on the right
// and each column's precision at the bottom.
//
// The diagonal and the mistakes use two colour scales: on one scale the
// diagonal's thousands would leave every mistake white. Correct counts are
// blue by the share of their row; mistakes are red in proportion to the
// largest mistake, so the common confusions (a 4 read as 9) stand out and
// a single slip stays pale but visible.
func ConfusionImage(m [][]int) image.Image {
	k := len(m)
	const cell, margin = 58, 14
	title, num, label := newFace(18, true), newFace(15, false), newFace(15, true)
	var total, correct, maxOff int
	rowSum, colSum := make([]int, k), make([]int, k)
	for t, row := range m {
		for p, n := range row {
			if p >= k {
				continue
			}
			total += n
			rowSum[t] += n
			colSum[p] += n
			if p == t {
				correct += n
			} else {
				maxOff = max(maxOff, n)
			}
		}
	}
	heading := fmt.Sprintf("Confusion matrix: %d images, %d correct", total, correct)
	if total > 0 {
		heading += fmt.Sprintf(" (accuracy %.2f%%)", 100*float64(correct)/float64(total))
	}
	lh := lineHeight(num)
	// Layout, left to right: axis label, digit labels, k cells, recall.
	left := margin + lh + 8 + textWidth(label, "precision") + 10
	top := margin + lineHeight(title) + 10 + lh + 4 + lh
	gridW := k * cell
	w := max(left+gridW+8+cell+margin, margin+textWidth(title, heading)+margin)
	h := top + gridW + 8 + lh + 6 + lh + margin
	img := newCanvas(w, h)

	drawText(img, title, ink, margin, margin+ascent(title), heading)
	drawCentered(img, label, ink, left+gridW/2, top-lh-4-lh+ascent(num), "predicted digit")
	drawVertical(img, label, ink, margin+lh/2, top+gridW/2, "true digit")
	for i := range k {
		c := left + i*cell + cell/2
		drawCentered(img, label, ink, c, top-6, strconv.Itoa(i))
		drawRight(img, label, ink, left-10, top+i*cell+cell/2+ascent(num)/2, strconv.Itoa(i))
	}
	drawCentered(img, label, muted, left+gridW+8+cell/2, top-6, "recall")
	drawRight(img, label, muted, left-10, top+gridW+8+ascent(num), "precision")

	for t := range k {
		for p := range k {
			n := 0
			if p < len(m[t]) {
				n = m[t][p]
			}
			r := image.Rect(left+p*cell, top+t*cell, left+(p+1)*cell, top+(t+1)*cell)
			bg := color.RGBA{255, 255, 255, 255}
			switch {
			case t == p && rowSum[t] > 0:
				bg = blend(color.RGBA{235, 242, 250, 255}, color.RGBA{33, 102, 172, 255}, float64(n)/float64(rowSum[t]))
			case n > 0 && maxOff > 0:
				bg = blend(color.RGBA{253, 236, 230, 255}, color.RGBA{178, 24, 43, 255}, float64(n)/float64(maxOff))
			}
			fillRect(img, r, bg)
			strokeRect(img, r, color.RGBA{230, 230, 230, 255})
			if n > 0 { // blank zeros keep the eye on the mistakes
				drawCentered(img, num, textOn(bg), r.Min.X+cell/2, r.Min.Y+cell/2+ascent(num)/2-1, strconv.Itoa(n))
			}
		}
		if rowSum[t] > 0 {
			drawCentered(img, num, muted, left+gridW+8+cell/2, top+t*cell+cell/2+ascent(num)/2-1,
				fmt.Sprintf("%.1f", 100*float64(m[t][t])/float64(rowSum[t])))
		}
	}
	for p := range k {
		if colSum[p] > 0 {
			drawCentered(img, num, muted, left+p*cell+cell/2, top+gridW+8+ascent(num),
				fmt.Sprintf("%.1f", 100*float64(m[p][p])/float64(colSum[p])))
		}
	}
	strokeRect(img, image.Rect(left-1, top-1, left+gridW+1, top+gridW+1), muted)
	drawText(img, newFace(13, false), muted, margin, h-margin+2,
		"recall and precision in %; blue: correct (share of the row), red: mistakes")
	return img
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
