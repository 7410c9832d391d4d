package viz

import (
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	"math"
	"slices"

	"github.com/neurona/neurona/data"
	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train/checkpoint"
	"github.com/neurona/neurona/train/runfolder"
)

// ErrNoPixelWeights is returned by Explain for a checkpoint without a
// layer whose inputs are the image's pixels.
var ErrNoPixelWeights = errors.New("viz: no layer with one weight per pixel")

// ErrNoImageSize is returned by Explain when the image size is unknown
// (0x0: a checkpoint that does not record it, of a model whose inputs
// are not MNIST's 784): a weight map needs its rows and columns.
var ErrNoImageSize = errors.New("viz: weight maps need the image size")

// WeightMaps are weight images of Rows x Cols pixels with what each one is.
type WeightMaps struct {
	Title, Note string
	Rows, Cols  int
	Maps        [][]float32 // Rows*Cols each, row-major
	Captions    []string
}

// Explain returns what a checkpoint's first layer looks at, its inputs
// being the pixels of images of shape.ImageRows x shape.ImageCols: for a
// model of one layer (the perceptron, an MLP without hidden layers) one
// weight image per class, captioned with its label (shape.Classes.Label:
// "digit 3", "cat"); else the units of the first layer with the largest L2
// norm of incoming weights, at most units of them. spec is the checkpoint's
// model: its layers (models.Model.Layers) say where the first layer's
// weights are and how they are laid out. Where the run averaged its
// weights (models.AveragedScope), the average is drawn: it is what the
// model predicts with.
func Explain(vars []checkpoint.Variable, shape runfolder.DataShape, spec models.Spec, units int) (*WeightMaps, error) {
	rows, cols := shape.ImageRows, shape.ImageCols
	if rows < 1 || cols < 1 {
		return nil, fmt.Errorf("%w (%dx%d is not one)", ErrNoImageSize, rows, cols)
	}
	m, err := models.New(spec)
	if err != nil {
		return nil, fmt.Errorf("viz: %w", err)
	}
	layers := m.Layers()
	first := layers[0]
	if first.Op != models.OpDense {
		return nil, ErrNoPixelWeights
	}
	weights := first.Params()[0].Name
	byPath := map[string]checkpoint.Variable{}
	for _, v := range vars {
		byPath[v.Path] = v
	}
	v, ok := byPath["/"+models.AveragedScope+weights]
	if !ok {
		if v, ok = byPath[weights]; !ok {
			return nil, ErrNoPixelWeights
		}
	}
	w, err := floats(v, rows, cols, first.Layout != models.LayoutOutputsInputs)
	if err != nil {
		return nil, err
	}
	classes := shape.Classes
	noun := classes.Noun()
	if len(layers) == 1 {
		return &WeightMaps{
			Title:    fmt.Sprintf("Weights of the %s: what each %s's score looks for", m.Spec(), noun),
			Note:     fmt.Sprintf("blue pixels raise the %s's score, red ones lower it, white ones are ignored", noun),
			Rows:     rows,
			Cols:     cols,
			Maps:     w,
			Captions: classCaptions(classes, len(w)),
		}, nil
	}
	norms := make([]float64, len(w))
	for j, m := range w {
		for _, x := range m {
			norms[j] += float64(x) * float64(x)
		}
		norms[j] = math.Sqrt(norms[j])
	}
	order := make([]int, len(w))
	for j := range order {
		order[j] = j
	}
	slices.SortStableFunc(order, func(a, b int) int { return -cmpFloat(norms[a], norms[b]) })
	order = order[:min(max(units, 1), len(order))]
	out := &WeightMaps{
		Title: fmt.Sprintf("First hidden layer: the %d of its %d units with the largest incoming weights", len(order), len(w)),
		Note:  "caption: unit and the L2 norm of its weights; blue pixels raise the unit's input, red ones lower it",
		Rows:  rows,
		Cols:  cols,
	}
	for _, j := range order {
		out.Maps = append(out.Maps, w[j])
		out.Captions = append(out.Captions, fmt.Sprintf("unit %d: %.2f", j, norms[j]))
	}
	return out, nil
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// classCaptions are the captions of n maps, one per class: "digit 3" for
// MNIST, "class 3" for other unnamed classes, else the class's name.
func classCaptions(classes data.Classes, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = classes.Label(i)
	}
	return out
}

// floats decodes a rank-2 float variable into one slice of rows*cols
// values per map: the rows of [maps, pixels], or with inputMajor the
// columns of [pixels, maps].
func floats(v checkpoint.Variable, imageRows, imageCols int, inputMajor bool) ([][]float32, error) {
	pixels := imageRows * imageCols
	if len(v.Shape) != 2 {
		return nil, fmt.Errorf("viz: %s has shape %v, want 2 dimensions", v.Path, v.Shape)
	}
	rows, cols := v.Shape[0], v.Shape[1]
	in, n := cols, rows
	if inputMajor {
		in, n = rows, cols
	}
	if in != pixels || n <= 0 {
		return nil, fmt.Errorf("viz: %s has shape %v, want %d inputs (%dx%d pixels)", v.Path, v.Shape, pixels, imageRows, imageCols)
	}
	var size int
	var get func(b []byte) float64
	switch v.DType {
	case "Float32":
		size, get = 4, func(b []byte) float64 { return float64(math.Float32frombits(binary.LittleEndian.Uint32(b))) }
	case "Float64":
		size, get = 8, func(b []byte) float64 { return math.Float64frombits(binary.LittleEndian.Uint64(b)) }
	default:
		return nil, fmt.Errorf("viz: %s has dtype %s (Float32 and Float64 are supported)", v.Path, v.DType)
	}
	if len(v.Data) != rows*cols*size {
		return nil, fmt.Errorf("viz: %s: %d bytes for shape %v of %s", v.Path, len(v.Data), v.Shape, v.DType)
	}
	out := make([][]float32, n)
	for k := range out {
		out[k] = make([]float32, pixels)
	}
	for r := range rows {
		for c := range cols {
			x := float32(get(v.Data[(r*cols+c)*size:]))
			if inputMajor {
				out[c][r] = x
			} else {
				out[r][c] = x
			}
		}
	}
	return out, nil
}

// WeightImage draws the maps with a diverging colour map, red for
// negative, white for 0, blue for positive, on one symmetric scale for all
// maps, so that colours compare across them; a colour bar under them gives
// the scale. Each map is w.Rows x w.Cols weights scaled up scale times, or
// shrunk to fit MaxTile (see TileSize); captions too long for a column
// (class names) are cut with "…".
func WeightImage(w *WeightMaps, cols, scale int) image.Image {
	limit := colourLimit(w.Maps)
	scale = max(scale, 1)
	cols = max(min(cols, len(w.Maps)), 1)
	// Captions here are longer than a digit's ("unit 417: 2.31"): smaller
	// than DigitGrid's at the same scale.
	size := min(captionSize(scale), 16)
	face := newFace(size, false)
	tileW, tileH := TileSize(w.Rows, w.Cols, scale)
	const gap, pad = 12, 4
	widest := 0
	for _, c := range w.Captions {
		widest = max(widest, textWidth(face, c))
	}
	cellW := max(tileW, min(widest, maxCaptionWidth(tileW, size)))
	cellH := tileH + pad + lineHeight(face)
	rows := (len(w.Maps) + cols - 1) / cols
	const barH = 16
	legend := 12 + barH + 4 + lineHeight(face) + gap
	width := max(gap+cols*(cellW+gap), 360)
	img := newCanvas(width, gap+rows*(cellH+gap)+legend)
	for i, m := range w.Maps {
		x0 := gap + (i%cols)*(cellW+gap)
		y0 := gap + (i/cols)*(cellH+gap)
		tx := x0 + (cellW-tileW)/2
		drawWeights(img, m, w.Rows, w.Cols, tx, y0, tileW, tileH, scale, limit)
		strokeRect(img, image.Rect(tx-1, y0-1, tx+tileW+1, y0+tileH+1), frame)
		if i < len(w.Captions) {
			drawCentered(img, face, ink, x0+cellW/2, y0+tileH+pad+ascent(face), truncate(face, w.Captions[i], cellW))
		}
	}
	// The colour bar, centred under the maps.
	barW := 300
	bx := (width - barW) / 2
	by := gap + rows*(cellH+gap) + 12
	for x := range barW {
		fillRect(img, image.Rect(bx+x, by, bx+x+1, by+barH), diverging(2*float64(x)/float64(barW-1)-1))
	}
	strokeRect(img, image.Rect(bx-1, by-1, bx+barW+1, by+barH+1), frame)
	base := by + barH + 4 + ascent(face)
	drawCentered(img, face, ink, bx, base, fmt.Sprintf("≤ −%.3g", limit))
	drawCentered(img, face, ink, bx+barW/2, base, "0")
	drawCentered(img, face, ink, bx+barW, base, fmt.Sprintf("≥ +%.3g", limit))
	return WithTitle(img, w.Title, w.Note)
}

// drawWeights draws map m of rows x cols weights as a w x h tile
// (TileSize at scale) with its top-left corner at (x0, y0), each weight
// coloured on the scale ±limit: as a scale x scale square, or, shrunk,
// each screen pixel the mean of the weights it covers.
func drawWeights(dst *image.RGBA, m []float32, rows, cols, x0, y0, w, h, scale int, limit float64) {
	at := func(i int) float64 {
		if i < len(m) {
			return float64(m[i])
		}
		return 0
	}
	if w == cols*scale && h == rows*scale {
		for p := range min(len(m), rows*cols) {
			r := image.Rect(x0+(p%cols)*scale, y0+(p/cols)*scale, x0+(p%cols+1)*scale, y0+(p/cols+1)*scale)
			fillRect(dst, r, diverging(at(p)/limit))
		}
		return
	}
	for i, x := range resample(rows, cols, w, h, at) {
		dst.SetRGBA(x0+i%w, y0+i/w, diverging(x/limit))
	}
}

// colourLimit is the weight shown in full colour: the 99th percentile of
// |w| over all maps. The largest |w| would do, but a few extreme weights
// (the perceptron's, on pixels that are ink in few images) then leave
// every other pixel pale; the top 1% saturating is the better trade.
func colourLimit(maps [][]float32) float64 {
	var abs []float64
	for _, m := range maps {
		for _, x := range m {
			if a := math.Abs(float64(x)); !math.IsNaN(a) && !math.IsInf(a, 0) {
				abs = append(abs, a)
			}
		}
	}
	if len(abs) == 0 {
		return 1
	}
	slices.Sort(abs)
	limit := abs[min(len(abs)-1, int(0.99*float64(len(abs))))]
	if limit == 0 {
		limit = abs[len(abs)-1]
	}
	if limit == 0 {
		return 1 // all zero (an untrained perceptron): all white
	}
	return limit
}

// diverging maps f in [-1, 1] to ColorBrewer's RdBu scale: dark red at -1,
// white at 0, dark blue at +1 (values outside are clipped).
func diverging(f float64) color.RGBA {
	if math.IsNaN(f) {
		return color.RGBA{128, 128, 128, 255}
	}
	white := color.RGBA{247, 247, 247, 255}
	if f < 0 {
		return blend(white, color.RGBA{178, 24, 43, 255}, -f)
	}
	return blend(white, color.RGBA{33, 102, 172, 255}, f)
}
