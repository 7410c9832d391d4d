package train

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/neurona/neurona/data"
	"github.com/neurona/neurona/models"
	"github.com/schollz/progressbar/v3"
)

// evalBatchSize is the batch of evaluation calls: it divides MNIST's 6,000
// validation and 10,000 test images, so each compiles one shape.
const evalBatchSize = 1000

// Run trains cfg.Model on mnist, reports progress to out and writes the run
// folder. On ctx cancellation it stops after the current call, writes the
// summary of what it did and returns ctx.Err().
func Run(ctx context.Context, cfg Config, mnist *data.MNIST, out io.Writer) (*Summary, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	backend, name, err := NewBackend(cfg.Backend)
	if err != nil {
		return nil, err
	}
	defer backend.Finalize()
	cfg.Backend = name
	s, _, err := execute(ctx, backend, cfg, mnist, out)
	return s, err
}

// execute is Run on a given backend; it also returns the program, whose
// store holds the trained variables.
func execute(ctx context.Context, backend compute.Backend, cfg Config, mnist *data.MNIST, out io.Writer) (*Summary, *program, error) {
	start := time.Now()
	if err := cfg.Validate(); err != nil {
		return nil, nil, err
	}
	m, err := models.New(cfg.Model)
	if err != nil {
		return nil, nil, err
	}

	trainIdx, valIdx, err := data.Split(mnist.Train.N, cfg.ValSplit, cfg.Seed)
	if err != nil {
		return nil, nil, err
	}
	trainData, err := data.NewBatches(mnist.Train, trainIdx, data.BatchOptions{
		BatchSize: cfg.BatchSize, StepsPerCall: cfg.StepsPerCall, Shuffle: true, Seed: cfg.Seed,
		DropLast: cfg.DropLast, Name: "train"})
	if err != nil {
		return nil, nil, err
	}
	if trainData.StepsPerEpoch() == 0 {
		return nil, nil, fmt.Errorf("%w: %d training examples make no batch of %d", ErrConfig, len(trainIdx), cfg.BatchSize)
	}
	evalOpts := data.BatchOptions{BatchSize: evalBatchSize, Prefetch: -1}
	evalOpts.Name = "validation"
	valData, err := data.NewBatches(mnist.Train, valIdx, evalOpts)
	if err != nil {
		return nil, nil, err
	}
	evalOpts.Name = "test"
	testData, err := data.NewBatches(mnist.Test, allIndices(mnist.Test.N), evalOpts)
	if err != nil {
		return nil, nil, err
	}

	params, total, err := models.Params(backend, m)
	if err != nil {
		return nil, nil, err
	}
	if cfg.RunDir == "" {
		cfg.RunDir = DefaultRunDir(cfg.Model.Name, start)
	}
	rd, err := createRunDir(cfg.RunDir)
	if err != nil {
		return nil, nil, err
	}
	defer rd.close()

	s := &Summary{
		Model: cfg.Model, Hyperparameters: cfg, Backend: cfg.Backend, BackendDescription: backend.Description(),
		Parameters: total, ParameterShapes: params, RunDir: cfg.RunDir, Build: Build(), StartedAt: start,
		Data: DataInfo{Dir: mnist.Dir, Source: mnist.Source, Train: len(trainIdx), Val: len(valIdx), Test: mnist.Test.N},
	}
	fmt.Fprintf(out, "model    %s, %d parameters:", cfg.Model, total)
	for _, p := range params {
		fmt.Fprintf(out, " %s %v", p.Name, p.Shape)
	}
	fmt.Fprintf(out, "\nbackend  %s\ndata     %s (%s): %d train, %d validation, %d test\n",
		backend.Description(), mnist.Dir, mnist.Source, len(trainIdx), len(valIdx), mnist.Test.N)
	fmt.Fprintf(out, "train    %s lr %g, %s schedule, batch %d, %d steps per call, up to %d epochs, seed %d -> %s\n",
		cfg.Optimizer, cfg.LR, cfg.Schedule, cfg.BatchSize, cfg.StepsPerCall, cfg.Epochs, cfg.Seed, cfg.RunDir)

	steps := trainData.StepsPerEpoch()
	prog, err := newProgram(backend, cfg, m, cfg.Epochs*steps)
	if err != nil {
		return nil, nil, err
	}
	compileStart := time.Now()
	if err := prog.compile(); err != nil {
		return nil, nil, err
	}
	s.CompileSeconds = time.Since(compileStart).Seconds()

	l := &loop{cfg: cfg, prog: prog, out: out, summary: s, rd: rd}
	runErr := l.epochs(ctx, trainData, valData)
	if runErr == nil || errors.Is(runErr, context.Canceled) {
		if runErr == nil {
			if err := l.finish(testData); err != nil {
				return s, prog, err
			}
		}
		s.WallSeconds = time.Since(start).Seconds()
		if err := rd.writeSummary(s); err != nil {
			return s, prog, err
		}
	}
	return s, prog, runErr
}

func allIndices(n int) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return idx
}

// compile compiles the main train call shape and the eval shape up front, so
// that compilation is timed apart from training.
func (p *program) compile() error {
	rows := p.cfg.BatchSize * p.cfg.StepsPerCall
	x := shapes.Make(dtypes.Uint8, rows, p.model.Spec().Inputs)
	y := shapes.Make(dtypes.Int32, rows)
	if _, err := p.trainExec.Compile(x, y); err != nil {
		return fmt.Errorf("compile train step: %w", err)
	}
	return nil
}

// loop is the state of one run's epochs.
type loop struct {
	cfg     Config
	prog    *program
	out     io.Writer
	summary *Summary
	rd      *runDir

	globalStep   int
	examples     int
	trainSeconds float64
	bestVal      float64
	best         map[string]*tensors.Tensor // variable values at the best validation accuracy
}

// epochs trains until cfg.Epochs or a stopping rule, evaluating on val after
// each epoch.
func (l *loop) epochs(ctx context.Context, trainData, valData *data.Batches) error {
	cfg, s := l.cfg, l.summary
	bestLoss, noImprove, noBetter := math.Inf(1), 0, 0
	l.bestVal = -1
	s.StoppedBecause = fmt.Sprintf("reached --epochs %d", cfg.Epochs)
	for epoch := 1; epoch <= cfg.Epochs; epoch++ {
		trainData.SetEpoch(epoch - 1)
		m, err := l.trainEpoch(ctx, trainData)
		if err != nil {
			if errors.Is(err, context.Canceled) {
				s.StoppedBecause = "interrupted"
			}
			return err
		}
		m.Epoch, m.GlobalStep = epoch, l.globalStep
		m.ElapsedSeconds = time.Since(s.StartedAt).Seconds()
		line := fmt.Sprintf("epoch %3d/%d  train loss %.4f acc %.4f", epoch, cfg.Epochs, m.TrainLoss, m.TrainAccuracy)
		if valData.Len() > 0 {
			loss, acc, err := l.prog.evaluate(valData)
			if err != nil {
				return fmt.Errorf("evaluate validation: %w", err)
			}
			m.ValLoss, m.ValAccuracy = &loss, &acc
			line += fmt.Sprintf("  val loss %.4f acc %.4f", loss, acc)
		}
		line += fmt.Sprintf("  %7.0f ex/s  %6.1fs", m.ExamplesPerSecond, m.ElapsedSeconds)
		if err := l.rd.appendEpoch(m); err != nil {
			return err
		}
		s.Epochs, s.GlobalStep = epoch, l.globalStep
		s.TrainLoss, s.TrainAccuracy = m.TrainLoss, m.TrainAccuracy
		s.TrainSeconds, s.EvaluatedEpoch = l.trainSeconds, epoch
		s.ExamplesPerSecond = float64(l.examples) / l.trainSeconds
		s.StepsPerSecond = float64(l.globalStep) / l.trainSeconds

		if m.ValAccuracy != nil && *m.ValAccuracy > l.bestVal {
			l.bestVal, s.BestEpoch, noBetter = *m.ValAccuracy, epoch, 0
			s.ValLoss, s.ValAccuracy = m.ValLoss, m.ValAccuracy
			if cfg.RestoreBest {
				if err := l.snapshot(); err != nil {
					return err
				}
				line += "  *"
			}
		} else {
			noBetter++
		}
		fmt.Fprintln(l.out, line)

		if ctx.Err() != nil {
			s.StoppedBecause = "interrupted"
			return ctx.Err()
		}
		if cfg.Patience > 0 && noBetter >= cfg.Patience {
			s.StoppedBecause = fmt.Sprintf("validation accuracy did not improve for %d epochs (--patience)", cfg.Patience)
			break
		}
		if cfg.NoChange > 0 {
			if m.TrainLoss > bestLoss-cfg.Tol {
				noImprove++
			} else {
				noImprove = 0
			}
			bestLoss = min(bestLoss, m.TrainLoss)
			if noImprove >= cfg.NoChange {
				s.StoppedBecause = fmt.Sprintf("training loss did not improve by %g for %d epochs (--tol, --n-iter-no-change)",
					cfg.Tol, cfg.NoChange)
				break
			}
		}
	}
	return nil
}

// trainEpoch runs one epoch of training calls.
func (l *loop) trainEpoch(ctx context.Context, trainData *data.Batches) (EpochMetrics, error) {
	var bar *progressbar.ProgressBar
	if l.cfg.Progress {
		bar = progressbar.NewOptions(trainData.StepsPerEpoch(),
			progressbar.OptionSetWriter(l.out), progressbar.OptionClearOnFinish(),
			progressbar.OptionSetWidth(30), progressbar.OptionShowCount(), progressbar.OptionThrottle(100*time.Millisecond))
	}
	var lossSum, correct float64
	var n int
	start := time.Now()
	for batch, err := range trainData.Iter() {
		if err != nil {
			return EpochMetrics{}, err
		}
		if ctx.Err() != nil {
			_ = batch.Finalize()
			if bar != nil {
				_ = bar.Clear()
			}
			return EpochMetrics{}, ctx.Err()
		}
		group := batch.Spec.(data.Group)
		loss, hits, err := run(l.prog.trainExec, batch.Inputs[0], batch.Labels[0])
		if err != nil {
			return EpochMetrics{}, fmt.Errorf("train step %d: %w", l.globalStep+1, err)
		}
		lossSum += loss
		correct += hits
		n += group.Steps * group.BatchSize
		l.globalStep += group.Steps
		if bar != nil {
			bar.Describe(fmt.Sprintf("loss %.4f", lossSum/float64(n)))
			_ = bar.Add(group.Steps)
		}
	}
	if bar != nil {
		_ = bar.Finish()
	}
	seconds := time.Since(start).Seconds()
	l.trainSeconds += seconds
	l.examples += n
	return EpochMetrics{
		TrainLoss: lossSum / float64(n), TrainAccuracy: correct / float64(n),
		ExamplesPerSecond: float64(n) / seconds, EpochSeconds: seconds,
	}, nil
}

// evaluate returns the mean loss and the accuracy over a dataset.
func (p *program) evaluate(ds *data.Batches) (loss, accuracy float64, err error) {
	var lossSum, correct float64
	n := 0
	for batch, err := range ds.Epoch(0) {
		if err != nil {
			return 0, 0, err
		}
		l, c, err := run(p.evalExec, batch.Inputs[0], batch.Labels[0])
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

// snapshot copies every variable's value (weights and optimizer state).
func (l *loop) snapshot() error {
	for _, t := range l.best {
		_ = t.FinalizeAll()
	}
	l.best = map[string]*tensors.Tensor{}
	for v := range l.prog.store.IterVariables() {
		value, err := v.Value()
		if err != nil {
			return fmt.Errorf("snapshot %s: %w", v.Path(), err)
		}
		c, err := value.LocalClone()
		if err != nil {
			return fmt.Errorf("snapshot %s: %w", v.Path(), err)
		}
		l.best[v.Path()] = c
	}
	return nil
}

// finish restores the best weights if asked, then evaluates the test set.
func (l *loop) finish(testData *data.Batches) error {
	s := l.summary
	if l.cfg.RestoreBest && l.best != nil {
		for v := range l.prog.store.IterVariables() {
			if t, ok := l.best[v.Path()]; ok {
				if err := v.SetValue(t); err != nil {
					return fmt.Errorf("restore %s: %w", v.Path(), err)
				}
			}
		}
		s.EvaluatedEpoch = s.BestEpoch
	}
	loss, acc, err := l.prog.evaluate(testData)
	if err != nil {
		return fmt.Errorf("evaluate test: %w", err)
	}
	s.TestLoss, s.TestAccuracy = &loss, &acc
	fmt.Fprintf(l.out, "stopped: %s\n", s.StoppedBecause)
	fmt.Fprintf(l.out, "test     loss %.4f  accuracy %.4f  (weights of epoch %d; %d steps, %.1fs training, %.0f examples/s, compile %.2fs)\n",
		loss, acc, s.EvaluatedEpoch, s.GlobalStep, s.TrainSeconds, s.ExamplesPerSecond, s.CompileSeconds)
	fmt.Fprintf(l.out, "run      %s\n", s.RunDir)
	return nil
}
