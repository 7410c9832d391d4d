package train

import (
	"fmt"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	gtrain "github.com/gomlx/gomlx/ml/train"
	"github.com/neurona/neurona/data"
	"github.com/neurona/neurona/train/config"
)

// EvalBatchSize is the batch of the evaluation calls Run, Trained.Evaluate
// and Trained.Predict make, the size Compile compiles the evaluation call
// for: it divides MNIST's 6,000 validation and 10,000 test images, so each
// compiles one shape.
const EvalBatchSize = 1000

// Config is the configuration the program runs: the one given to Compile,
// with the steps per call it picked and, after the fallback from a While
// loop that did not compile, Loop LoopUnroll.
func (p *Program) Config() config.Config { return p.cfg }

// Batches is the training pipeline the program was compiled for: its
// batches are what TrainCall takes, epoch after epoch (Batches.Epoch).
func (p *Program) Batches() *data.Batches { return p.batches }

// TrainCall runs one compiled training call on a batch of the program's
// pipeline: its Group.Steps steps, each updating the variables. It frees
// the batch and returns the sums over the call's examples of the loss and
// of the correct predictions, each measured before its step's update. The
// sums are read back to the host, which waits for the device.
func (p *Program) TrainCall(b gtrain.Batch) (lossSum, correct float64, err error) {
	if p.member != nil {
		return p.member.train(b)
	}
	if p.residentX != nil {
		return runOwned(p.residentExec, []*tensors.Tensor{p.residentX, p.residentY, b.Inputs[0]}, b.Inputs[0])
	}
	return run(p.trainExec, b.Inputs[0], b.Labels[0])
}

// EvalCall runs the evaluation call (the forward pass and the loss, no
// update) on a batch of pixels and labels, frees it and returns the summed
// loss and correct count. A batch of another size than EvalBatchSize is
// compiled at its first call.
func (p *Program) EvalCall(b gtrain.Batch) (lossSum, correct float64, err error) {
	if p.shared != nil {
		return p.shared.eval(p, b.Inputs[0], b.Labels[0])
	}
	return run(p.evalExec, b.Inputs[0], b.Labels[0])
}

// Evaluate returns the mean loss and the accuracy over one epoch of ds, a
// pipeline of pixels and labels (batches of EvalBatchSize compile no new
// shape).
func (p *Program) Evaluate(ds *data.Batches) (loss, accuracy float64, err error) {
	if err := p.settle(); err != nil {
		return 0, 0, err
	}
	var lossSum, correct float64
	n := 0
	for batch, err := range ds.Epoch(0) {
		if err != nil {
			return 0, 0, err
		}
		l, c, err := p.watch.sums("eval", func() string { return "the " + ds.Name() + " call" },
			func() (float64, float64, error) { return p.EvalCall(batch) })
		if err != nil {
			return 0, 0, err
		}
		lossSum += l
		correct += c
		n += batch.Spec.(data.Group).BatchSize
	}
	if n == 0 {
		return 0, 0, fmt.Errorf("no examples in %s", ds.Name())
	}
	return lossSum / float64(n), correct / float64(n), nil
}

// Trained returns the model with the program's current weights, to predict
// and to evaluate in full (Trained.Evaluate: confusion matrix, per-class
// precision and recall). It shares the program's variables: training on
// changes what it predicts.
func (p *Program) Trained() (*Trained, error) { return newTrained(p) }

// settle brings the program's variables up to date: a member of a Group
// trains on the group's state, which it reads back only when it needs its
// variables (to evaluate, save or predict).
func (p *Program) settle() error {
	if p.member == nil {
		return nil
	}
	return p.member.pull()
}

// Close frees what the program keeps on the device besides its variables
// (the resident dataset of Config.DataOnDevice). The program's calls must
// not be used after it.
func (p *Program) Close() {
	if p.residentX != nil {
		_ = p.residentX.FinalizeAll()
		_ = p.residentY.FinalizeAll()
		p.residentX, p.residentY = nil, nil
	}
}

// run executes exec on one batch, frees the batch and returns the two sums.
func run(exec *model.Exec, x, y *tensors.Tensor) (lossSum, correct float64, err error) {
	return runOwned(exec, []*tensors.Tensor{x, y}, x, y)
}

// runOwned executes exec on args, frees the owned ones (the batch, not the
// resident dataset) and returns the two sums.
func runOwned(exec *model.Exec, args []*tensors.Tensor, owned ...*tensors.Tensor) (lossSum, correct float64, err error) {
	defer func() {
		for _, t := range owned {
			_ = t.FinalizeAll()
		}
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	in := make([]any, len(args))
	for i, a := range args {
		in[i] = a
	}
	out, err := exec.Call(in...)
	if err != nil {
		return 0, 0, err
	}
	defer func() {
		for _, t := range out {
			_ = t.FinalizeAll()
		}
	}()
	lossSum = float64(tensors.ToScalar[float32](out[0]))
	correct = float64(tensors.ToScalar[float32](out[1]))
	return lossSum, correct, nil
}
