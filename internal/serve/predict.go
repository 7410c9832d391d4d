package serve

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/png"
	"io"
	"mime"
	"net/http"
	"path/filepath"

	"github.com/neurona/neurona/data"
	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train/runfolder"
)

// Bounds on a prediction request. The pad sends a PNG of its canvas (280
// CSS pixels square, a few kilobytes; twice or three times that on a
// high-density screen), so 2 MB and 2048x2048 pixels leave room for any
// drawing while a decoded image stays at 16 MB as RGBA and as much again
// as gray levels; at most maxPredicting are decoded at once (queue.go).
const (
	maxBodyBytes = 2 << 20
	maxImageSide = 2048 // pixels, on each side
)

// errNotDrawable is a model that cannot take a drawing.
var errNotDrawable = errors.New("the model cannot take a drawing")

// Prediction is the answer of POST /api/runs/{run}/predict.
type Prediction struct {
	Class      int     `json:"class"`
	ClassName  string  `json:"class_name"`
	Confidence float32 `json:"confidence"`
	// Probabilities are the model's outputs per class, class 0 first; what
	// they are is Outputs (models.Outputs: softmax, sigmoid, clipped or step).
	Probabilities []float32 `json:"probabilities"`
	Classes       []string  `json:"classes"`
	Outputs       string    `json:"outputs"`
	// Checkpoint is the folder under checkpoints/ that predicted.
	Checkpoint string `json:"checkpoint"`
	Epoch      int    `json:"epoch"`
	// Input is the 28x28 image the model was given (row-major, 0..255,
	// white digit on black): the drawing as `neurona predict` converts a
	// PNG file.
	Input []int `json:"input"`
}

// classNames names every class of t: its recorded names, else numbers.
func classNames(classes data.Classes, n int) []string {
	names := make([]string, n)
	for i := range names {
		names[i] = classes.Name(i)
	}
	return names
}

// drawable says why a model of spec trained on images of shape cannot
// take a drawing, which is converted to MNIST's 28x28 (nil if it can).
func drawable(spec models.Spec, shape *runfolder.DataShape) error {
	side := data.PNGSide
	if spec.Inputs == side*side && (shape == nil || shape.ImageRows == 0 || (shape.ImageRows == side && shape.ImageCols == side)) {
		return nil
	}
	size := fmt.Sprintf("%d inputs", spec.Inputs)
	if shape != nil && shape.ImageRows > 0 {
		size = fmt.Sprintf("images of %dx%d pixels", shape.ImageRows, shape.ImageCols)
	}
	return fmt.Errorf("%w: it takes %s, and a drawing is converted to MNIST's %dx%d digits", errNotDrawable, size, side, side)
}

// decodeDrawing converts a PNG upload as `neurona predict` converts a PNG
// file (data.LoadPNG): its header is checked before its pixels are
// decoded, then data.ImageToMNIST makes the 28x28 digit. Errors wrap
// data.ErrNotPNG, data.ErrImageSize or data.ErrBlankImage.
func decodeDrawing(body []byte) ([]uint8, error) {
	cfg, err := png.DecodeConfig(bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("%w (%v)", data.ErrNotPNG, err)
	}
	if err := data.CheckImageSize(cfg.Width, cfg.Height, maxImageSide); err != nil {
		return nil, err
	}
	img, err := png.Decode(bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("%w (%v)", data.ErrNotPNG, err)
	}
	return data.ImageToMNIST(img)
}

// readPNGBody reads a request's PNG body, refusing another media type and
// a body over maxBodyBytes.
func readPNGBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "image/png" {
		return nil, &httpError{http.StatusUnsupportedMediaType, fmt.Errorf("the body must be a PNG image sent as Content-Type: image/png (got %q)", r.Header.Get("Content-Type"))}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if mbe := new(http.MaxBytesError); errors.As(err, &mbe) {
		return nil, &httpError{http.StatusRequestEntityTooLarge, fmt.Errorf("the body is larger than %d bytes", mbe.Limit)}
	}
	if err != nil {
		return nil, &httpError{http.StatusBadRequest, fmt.Errorf("read the body: %w", err)}
	}
	return body, nil
}

// handlePredict is POST /api/runs/{run}/predict.
//
// It is admitted to s.predicts (or answered 503 at once), reads its body,
// and waits for a turn until its deadline (s.predictDeadline); only then
// is the PNG decoded and the model run.
func (s *Server) handlePredict(w http.ResponseWriter, r *http.Request, rn *run) error {
	leave, err := s.predicts.admit(w)
	if err != nil {
		return err
	}
	defer leave()
	ctx, cancel := context.WithTimeout(r.Context(), s.predictDeadline)
	defer cancel()
	body, err := readPNGBody(w, r)
	if err != nil {
		return err
	}
	done, err := s.predicts.turn(ctx, w)
	if err != nil {
		return err
	}
	defer done()
	pixels, err := decodeDrawing(body)
	if err != nil {
		return err
	}
	var p Prediction
	err = s.models.use(rn, func(m *model) error {
		t := m.t
		if err := drawable(t.Config.Model, &t.Data); err != nil {
			return err
		}
		probs, classes, err := t.Predict(pixels, 1)
		if err != nil {
			return fmt.Errorf("predict with %s: %w", t.Checkpoint.Dir, err)
		}
		k := classes[0]
		p = Prediction{Class: k, ClassName: t.Data.Classes.Name(k), Confidence: probs[0][k], Probabilities: probs[0],
			Classes: classNames(t.Data.Classes, t.Config.Model.Classes), Outputs: string(t.Model.Outputs()),
			Checkpoint: filepath.Base(t.Checkpoint.Dir), Epoch: t.Checkpoint.Manifest.Epoch}
		return nil
	})
	if err != nil {
		return err
	}
	p.Input = make([]int, len(pixels))
	for i, v := range pixels {
		p.Input[i] = int(v)
	}
	return writeJSON(w, http.StatusOK, p)
}
