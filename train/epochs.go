package train

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/neurona/neurona/data"
	"github.com/neurona/neurona/internal/human"
	"github.com/neurona/neurona/train/checkpoint"
	"github.com/neurona/neurona/train/config"
	"github.com/neurona/neurona/train/runfolder"
)

// loop is one run's epochs.
type loop struct {
	cfg     config.Config
	prog    *Program
	obs     observers
	summary *runfolder.Summary
	rd      *runDir
	ckpts   *checkpoint.Manager
	dataset string
	dataDir string // the folder the data was read from, recorded in checkpoints
	data    runfolder.DataShape

	st            runState
	plannedEpochs int // --epochs of the run a resumed checkpoint belongs to
	lastSave      int // global step of the last checkpoint
	afterCall     func(globalStep int)
	best          map[string]*tensors.Tensor // variable values at the best validation accuracy
}

// epochs trains until cfg.Epochs or a stopping rule, evaluating on val after
// each epoch and saving checkpoints.
func (l *loop) epochs(ctx context.Context, trainData, valData *data.Batches) error {
	cfg, st := l.cfg, &l.st
	l.initStopBest()
	if st.Done {
		if cfg.Epochs == l.plannedEpochs || st.Epoch >= cfg.Epochs {
			// Killed after its last checkpoint, before its summary (else
			// execute found nothing to train): finish it, training nothing.
			l.obs.report(Finishing{Epochs: st.Epoch, Reason: st.Stop, Because: st.StoppedBecause})
			return nil
		}
		// Training longer than first planned: the stopping rules start
		// counting afresh, or the rule that stopped the run would stop it
		// again after one epoch.
		st.Done, st.Stop, st.StoppedBecause, st.NoBetter, st.NoImprove = false, "", "", 0, 0
	}
	for st.Epoch < cfg.Epochs {
		if err := l.trainEpoch(ctx, trainData); err != nil {
			return err
		}
		m := runfolder.EpochMetrics{
			Epoch: st.Epoch + 1, GlobalStep: st.GlobalStep,
			TrainLoss: st.EpochLossSum / float64(st.EpochExamples), TrainAccuracy: st.EpochCorrect / float64(st.EpochExamples),
			ExamplesPerSecond: float64(st.EpochExamples) / st.EpochSeconds, EpochSeconds: st.EpochSeconds,
		}
		st.Epoch++
		st.Examples += st.EpochExamples
		st.TrainSeconds += st.EpochSeconds
		st.StepInEpoch, st.EpochLossSum, st.EpochCorrect, st.EpochExamples, st.EpochSeconds = 0, 0, 0, 0, 0
		st.TrainLoss, st.TrainAccuracy = m.TrainLoss, m.TrainAccuracy
		m.ElapsedSeconds = time.Since(l.summary.StartedAt).Seconds()

		ended := EpochEnded{Epochs: cfg.Epochs}
		metrics := map[string]float64{"train_loss": m.TrainLoss, "train_accuracy": m.TrainAccuracy}
		if valData.Len() > 0 {
			loss, acc, err := l.prog.Evaluate(valData)
			if err != nil {
				return fmt.Errorf("evaluate validation: %w", err)
			}
			if err := checkLoss("validation loss", loss, st.GlobalStep, 1); err != nil {
				return l.diverged(err)
			}
			m.ValLoss, m.ValAccuracy = &loss, &acc
			st.ValLoss, st.ValAccuracy = &loss, &acc
			metrics["val_loss"], metrics["val_accuracy"] = loss, acc
		}
		last := m
		st.LastEpoch = &last // saved with the checkpoints, so a damaged metrics.jsonl line can be restored
		if err := l.rd.appendEpoch(m); err != nil {
			return err
		}
		if m.ValAccuracy != nil && *m.ValAccuracy > st.BestVal {
			st.BestVal, st.BestEpoch = *m.ValAccuracy, m.Epoch
			if cfg.RestoreBest {
				if err := l.snapshot(); err != nil {
					return err
				}
				ended.Best = true
			}
		}
		l.applyStoppingRules(m)
		if !st.Done && st.Epoch >= cfg.Epochs {
			st.Done, st.Stop, st.StoppedBecause = true, runfolder.StopEpochs, runfolder.EpochsWords(cfg.Epochs)
		}
		// The last epoch is always saved: its checkpoint records Done, so
		// resuming a finished run knows there is nothing left to do.
		if cfg.SaveEveryEpoch || st.Done {
			saved, err := l.save("epoch", metrics)
			if err != nil {
				return err
			}
			ended.Saved = saved
		}
		ended.Metrics = m
		l.obs.report(ended)
		if st.Done {
			break
		}
		if ctx.Err() != nil {
			return l.interrupted(ctx)
		}
	}
	return nil
}

// applyStoppingRules updates the early-stopping counters after an epoch.
func (l *loop) applyStoppingRules(m runfolder.EpochMetrics) {
	cfg, st := l.cfg, &l.st
	l.applyPatience(m)
	if cfg.NoChange > 0 {
		if st.BestLoss != nil && m.TrainLoss > *st.BestLoss-cfg.Tol {
			st.NoImprove++
		} else {
			st.NoImprove = 0
		}
		if st.BestLoss == nil || m.TrainLoss < *st.BestLoss {
			loss := m.TrainLoss
			st.BestLoss = &loss
		}
		if st.NoImprove >= cfg.NoChange && !st.Done {
			st.Done, st.Stop, st.StoppedBecause = true, runfolder.StopTol, fmt.Sprintf("training loss did not improve by %g for %s",
				cfg.Tol, human.Count(cfg.NoChange, "epoch"))
		}
	}
}

// trainEpoch runs (the rest of) epoch st.Epoch+1.
func (l *loop) trainEpoch(ctx context.Context, trainData *data.Batches) error {
	st := &l.st
	l.obs.report(EpochStarted{Epoch: st.Epoch + 1, Epochs: l.cfg.Epochs, Steps: trainData.StepsPerEpoch(), Done: st.StepInEpoch})
	// Reported once, before an interrupt's checkpoint is saved: the calls
	// are over then.
	ended := false
	endCalls := func() {
		if !ended {
			ended = true
			l.obs.report(EpochTrained{Epoch: st.Epoch + 1})
		}
	}
	defer endCalls()
	examples := 0 // trained on in this call of trainEpoch, for the progress's examples/s
	start := time.Now()
	secondsBefore := st.EpochSeconds
	for batch, err := range trainData.EpochFrom(st.Epoch, st.StepInEpoch) {
		if err != nil {
			return err
		}
		if ctx.Err() != nil {
			_ = batch.Finalize()
			st.EpochSeconds = secondsBefore + time.Since(start).Seconds()
			endCalls()
			return l.interrupted(ctx)
		}
		group := batch.Spec.(data.Group)
		loss, hits, err := l.prog.watch.sums("train", func() string { return fmt.Sprintf("the train call of step %d", st.GlobalStep+1) },
			func() (float64, float64, error) { return l.prog.TrainCall(batch) })
		if errors.Is(err, errWithdrawn) { // a group member stopped before its step ran
			st.EpochSeconds = secondsBefore + time.Since(start).Seconds()
			endCalls()
			return l.interrupted(ctx)
		}
		if err != nil {
			return fmt.Errorf("train step %d: %w", st.GlobalStep+1, err)
		}
		if err := checkLoss("loss", loss, st.GlobalStep+group.Steps, group.Steps); err != nil {
			return l.diverged(err)
		}
		st.EpochLossSum += loss
		st.EpochCorrect += hits
		st.EpochExamples += group.Steps * group.BatchSize
		st.GlobalStep += group.Steps
		st.StepInEpoch += group.Steps
		examples += group.Steps * group.BatchSize
		if err := l.logStep(loss, hits, group.Steps, group.Steps*group.BatchSize); err != nil {
			return err
		}
		l.obs.report(StepsDone{GlobalStep: st.GlobalStep, Done: st.StepInEpoch, Examples: examples, Loss: st.EpochLossSum / float64(st.EpochExamples)})
		if l.afterCall != nil {
			l.afterCall(st.GlobalStep)
		}
		if l.cfg.SaveEvery > 0 && st.GlobalStep/l.cfg.SaveEvery > l.lastSave/l.cfg.SaveEvery {
			st.EpochSeconds = secondsBefore + time.Since(start).Seconds()
			if _, err := l.save("step", nil); err != nil {
				return err
			}
		}
	}
	st.EpochSeconds = secondsBefore + time.Since(start).Seconds()
	return nil
}
