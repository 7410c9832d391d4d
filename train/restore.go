package train

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph code reads better dot-imported, as in GoMLX.
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/neurona/neurona/data"
	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train/checkpoint"
	"github.com/neurona/neurona/train/config"
	"github.com/neurona/neurona/train/runfolder"
)

// ResolveCheckpoint turns a run folder or a checkpoint folder into the
// checkpoint to load: for a run folder, its newest valid checkpoint; the
// errors of newer, corrupt ones are returned in skipped for the caller to
// report. A checkpoint folder is validated as it is, and so is the one a
// pointer file names (checkpoints/best, checkpoints/last; see
// checkpoint.BestPointer).
func ResolveCheckpoint(path string) (c *checkpoint.Checkpoint, skipped []error, err error) {
	if checkpoint.IsPointer(path) {
		dir, err := checkpoint.ReadPointer(path)
		if err != nil {
			return nil, nil, err
		}
		c, err := Checkpoints().Open(dir)
		return c, nil, err
	}
	if _, err := os.Stat(filepath.Join(path, checkpoint.ManifestFile)); err == nil {
		c, err := Checkpoints().Open(path)
		return c, nil, err
	}
	if _, err := os.Stat(path); err != nil {
		return nil, nil, fmt.Errorf("%s: not a run folder or checkpoint: %w", path, err)
	}
	dir := runfolder.CheckpointsDir(path)
	if _, err := os.Stat(dir); err != nil {
		if runfolder.IsRunFolder(path) {
			return nil, nil, &runfolder.NoCheckpointError{Dir: path}
		}
		return nil, nil, fmt.Errorf("%s: not a run folder (no checkpoints/) nor a checkpoint (no %s)", path, checkpoint.ManifestFile)
	}
	c, skipped, err = Checkpoints().Latest(dir)
	if errors.Is(err, checkpoint.ErrNone) && len(skipped) == 0 && runfolder.IsRunFolder(path) {
		return nil, nil, &runfolder.NoCheckpointError{Dir: path}
	}
	return c, skipped, err
}

// storeVariables copies every variable of store for a checkpoint.
func storeVariables(store *model.Store) ([]checkpoint.Variable, error) {
	var out []checkpoint.Variable
	for v := range store.IterVariables() {
		value, err := v.Value()
		if err != nil {
			return nil, fmt.Errorf("read variable %s: %w", v.Path(), err)
		}
		cv := checkpoint.Variable{Path: v.Path(), DType: value.DType().String(), Shape: value.Shape().Dimensions, Trainable: v.Trainable}
		if err := value.ConstBytes(func(b []byte) { cv.Data = append([]byte(nil), b...) }); err != nil {
			return nil, fmt.Errorf("read variable %s: %w", v.Path(), err)
		}
		out = append(out, cv)
	}
	return out, nil
}

// variableTensor rebuilds one saved variable as a host tensor.
func variableTensor(v checkpoint.Variable) (*tensors.Tensor, error) {
	dtype, err := dtypes.DTypeString(v.DType)
	if err != nil {
		return nil, fmt.Errorf("variable %s: unknown dtype %q", v.Path, v.DType)
	}
	shape := shapes.Make(dtype, v.Shape...)
	if int64(shape.Memory()) != int64(len(v.Data)) {
		return nil, fmt.Errorf("variable %s: %d bytes for shape %s: %w", v.Path, len(v.Data), shape, checkpoint.ErrCorrupt)
	}
	t := tensors.FromShape(shape)
	if err := t.MutableBytes(func(b []byte) { copy(b, v.Data) }); err != nil {
		return nil, err
	}
	return t, nil
}

// loadVariables sets the saved variables in a new program's store. Those
// the store already has (the random-number state newProgram seeds) are
// overwritten, so a resumed run continues from exactly the saved state.
func loadVariables(store *model.Store, vars []checkpoint.Variable) error {
	for _, v := range vars {
		t, err := variableTensor(v)
		if err != nil {
			return err
		}
		if existing := store.GetVariable(v.Path); existing != nil {
			if !existing.Shape().Equal(t.Shape()) {
				return fmt.Errorf("restore variable %s: saved shape %s, model has %s", v.Path, t.Shape(), existing.Shape())
			}
			if err := existing.SetValue(t); err != nil {
				return fmt.Errorf("restore variable %s: %w", v.Path, err)
			}
			existing.SetTrainable(v.Trainable)
			continue
		}
		sv, err := store.CreateVariable(v.Path, t)
		if err != nil {
			return fmt.Errorf("restore variable %s: %w", v.Path, err)
		}
		sv.SetTrainable(v.Trainable)
	}
	return nil
}

// Trained is a model loaded from a checkpoint, ready to evaluate and predict
// on any backend (checkpoints hold plain host values, so one written on
// xla:cuda loads on the Go backend and back).
type Trained struct {
	Config     config.Config
	Model      models.Model
	Checkpoint *checkpoint.Checkpoint
	// Data is the shape of the data it was trained on: its classes (and
	// their names) and image size (see recordedShape for older checkpoints).
	Data    runfolder.DataShape
	prog    *Program
	predict *model.Exec
}

// LoadTrained loads the checkpoint c for inference on backend.
func LoadTrained(backend compute.Backend, c *checkpoint.Checkpoint) (*Trained, error) {
	var meta checkpointMeta
	if err := json.Unmarshal(c.Meta, &meta); err != nil {
		return nil, fmt.Errorf("checkpoint %s: %s: %w", c.Dir, checkpoint.MetaFile, err)
	}
	cfg, err := savedConfig(c.Dir, meta.Config)
	if err != nil {
		return nil, err
	}
	m, err := models.New(cfg.Model)
	if err != nil {
		return nil, fmt.Errorf("saved configuration of %s: %w", c.Dir, err)
	}
	p, err := newProgram(backend, cfg, m, 1)
	if err != nil {
		return nil, fmt.Errorf("checkpoint %s: %w", c.Dir, err)
	}
	if err := loadVariables(p.store, c.Variables); err != nil {
		return nil, fmt.Errorf("checkpoint %s: %w", c.Dir, err)
	}
	t, err := newTrained(p)
	if err != nil {
		return nil, fmt.Errorf("checkpoint %s: %w", c.Dir, err)
	}
	t.Checkpoint = c
	if t.Data, err = recordedShape(meta.Data, cfg.Model); err != nil {
		return nil, fmt.Errorf("checkpoint %s: %s: %w", c.Dir, checkpoint.MetaFile, err)
	}
	return t, nil
}

// newTrained wraps a program, with whatever weights its store holds, for
// evaluation and prediction.
func newTrained(p *Program) (*Trained, error) {
	if err := p.settle(); err != nil {
		return nil, err
	}
	m := p.model
	t := &Trained{Config: p.cfg, Model: m, prog: p}
	if p.shared != nil {
		return t, nil // it predicts through its group's call
	}
	var err error
	t.predict, err = model.NewExec(p.backend, p.store, func(scope *model.Scope, x *Node) (probs, pred, scores *Node) {
		scores = p.scores(p.predictScope(scope), x)
		return m.Probabilities(scores), models.Predict(scores), scores
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// Predict returns, for n images of Inputs uint8 pixels each (white digit on
// black, as MNIST), the per-class confidences and the predicted class.
func (t *Trained) Predict(images []uint8, n int) (probs [][]float32, pred []int, err error) {
	probs, _, pred, err = t.PredictScores(images, n)
	return probs, pred, err
}

// PredictScores is Predict with the model's raw per-class scores too (its
// output layer before the loss's activation; the perceptron's z = W·x + b),
// from which a model without probabilities has a margin.
func (t *Trained) PredictScores(images []uint8, n int) (probs, scores [][]float32, pred []int, err error) {
	inputs := t.Config.Model.Inputs
	if n <= 0 || len(images) != n*inputs {
		return nil, nil, nil, fmt.Errorf("predict: %d bytes for %d images of %d pixels", len(images), n, inputs)
	}
	for start := 0; start < n; start += EvalBatchSize {
		rows := min(EvalBatchSize, n-start)
		x := tensors.FromFlatDataAndDimensions(images[start*inputs:(start+rows)*inputs], rows, inputs)
		out, err := t.predictCall(x)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("predict: %w", err)
		}
		flat := tensors.MustCopyFlatData[float32](out[0])
		labels := tensors.MustCopyFlatData[int32](out[1])
		raw := tensors.MustCopyFlatData[float32](out[2])
		classes := t.Config.Model.Classes
		for r := range rows {
			probs = append(probs, flat[r*classes:(r+1)*classes])
			scores = append(scores, raw[r*classes:(r+1)*classes])
			pred = append(pred, int(labels[r]))
		}
		for _, o := range out {
			_ = o.FinalizeAll()
		}
	}
	return probs, scores, pred, nil
}

// Evaluate computes loss, accuracy, the confusion matrix and per-class
// precision and recall of the model on set.
func (t *Trained) Evaluate(set *data.Set) (*runfolder.Evaluation, error) {
	if err := t.fits(set); err != nil {
		return nil, err
	}
	ds, err := data.NewBatches(set, allIndices(set.N), data.BatchOptions{BatchSize: EvalBatchSize, Prefetch: -1, Name: "evaluation"})
	if err != nil {
		return nil, err
	}
	loss, acc, err := t.prog.Evaluate(ds)
	if err != nil {
		return nil, err
	}
	probs, pred, err := t.Predict(set.Images, set.N)
	if err != nil {
		return nil, err
	}
	k := t.Config.Model.Classes
	e := &runfolder.Evaluation{Examples: set.N, Loss: loss, Accuracy: acc, Predicted: pred, Probs: probs,
		Precision: make([]float64, k), Recall: make([]float64, k), Confusion: make([][]int, k)}
	for i := range e.Confusion {
		e.Confusion[i] = make([]int, k)
	}
	for i, p := range pred {
		truth := int(set.Labels[i])
		e.Confusion[truth][p]++
		if p != truth {
			e.Wrong = append(e.Wrong, i)
		}
	}
	for c := range k {
		var predicted, actual int
		for o := range k {
			predicted += e.Confusion[o][c]
			actual += e.Confusion[c][o]
		}
		if predicted > 0 {
			e.Precision[c] = float64(e.Confusion[c][c]) / float64(predicted)
		}
		if actual > 0 {
			e.Recall[c] = float64(e.Confusion[c][c]) / float64(actual)
		}
	}
	return e, nil
}

// fits checks that set is data the model can be evaluated on: images of as
// many pixels as it has inputs, and labels among its classes.
func (t *Trained) fits(set *data.Set) error {
	spec := t.Config.Model
	if set.ImageSize() != spec.Inputs {
		return fmt.Errorf("the images are %dx%d = %d pixels, but the model takes %d inputs", set.Rows, set.Cols, set.ImageSize(), spec.Inputs)
	}
	for i, l := range set.Labels {
		if int(l) >= spec.Classes {
			return fmt.Errorf("image %d is labelled %d, but the model has classes 0 to %d only", i, l, spec.Classes-1)
		}
	}
	return nil
}

// predictCall runs the prediction call on x: the program's own, or its
// group's with its weights.
func (t *Trained) predictCall(x *tensors.Tensor) ([]*tensors.Tensor, error) {
	if t.prog.shared != nil {
		return t.prog.shared.predictCall(t.prog, x)
	}
	return callSafely(t.predict, x)
}

// callSafely runs exec, turning a GoMLX panic into an error.
func callSafely(exec *model.Exec, args ...any) (out []*tensors.Tensor, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	return exec.Call(args...)
}

// TrainedShape returns the shape of the data checkpoint c was trained on
// (classes, their names, image size), checked against its model; see
// Trained.Data. It reads c's meta.json only, not its weights.
func TrainedShape(c *checkpoint.Checkpoint) (runfolder.DataShape, error) {
	var meta checkpointMeta
	if err := json.Unmarshal(c.Meta, &meta); err != nil {
		return runfolder.DataShape{}, fmt.Errorf("checkpoint %s: %s: %w", c.Dir, checkpoint.MetaFile, err)
	}
	cfg, err := savedConfig(c.Dir, meta.Config)
	if err != nil {
		return runfolder.DataShape{}, err
	}
	d, err := recordedShape(meta.Data, cfg.Model)
	if err != nil {
		return runfolder.DataShape{}, fmt.Errorf("checkpoint %s: %s: %w", c.Dir, checkpoint.MetaFile, err)
	}
	return d, nil
}

// recordedShape checks the data shape a checkpoint records against its
// model: as many classes, and images of as many pixels as it has inputs.
// Checkpoints written before the shape was recorded give the model's
// classes unnamed, and 28x28 images for 784 inputs (0x0 otherwise).
func recordedShape(d runfolder.DataShape, spec models.Spec) (runfolder.DataShape, error) {
	if d.Classes.N == 0 && d.ImageRows == 0 && d.ImageCols == 0 {
		d.Classes.N = spec.Classes
		if spec.Inputs == 28*28 {
			d.ImageRows, d.ImageCols = 28, 28
		}
		return d, nil
	}
	if err := d.Classes.Check(); err != nil {
		return d, err
	}
	switch {
	case d.Classes.N != spec.Classes:
		return d, fmt.Errorf("data has %d classes, the model %d", d.Classes.N, spec.Classes)
	case d.ImageRows < 1 || d.ImageCols < 1 || d.ImageRows > spec.Inputs || d.ImageRows*d.ImageCols != spec.Inputs:
		return d, fmt.Errorf("images of %dx%d pixels, but the model takes %d inputs", d.ImageRows, d.ImageCols, spec.Inputs)
	}
	return d, nil
}
