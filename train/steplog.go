package train

import (
	"math"
	"time"

	"github.com/neurona/neurona/train/runfolder"
)

// LearningRate is the learning rate of the step that follows step steps
// done, computed on the host by the formula scheduleLR builds into the
// graph, so a step line costs no read of the device's variable.
func (p *Program) LearningRate(step int) float64 {
	lr, warmup := p.cfg.LR, float64(p.warmupSteps)
	t := float64(step)
	if p.cfg.Schedule == "cosine" {
		total := float64(max(p.totalSteps, 1))
		var frac float64
		if warmup == 0 {
			frac = min(t/total, 1)
		} else {
			frac = min(max((t-warmup)/max(total-warmup, 1), 0), 1)
		}
		lr = (1 + math.Cos(frac*math.Pi)) * p.cfg.LR / 2
	}
	if warmup > 0 {
		lr *= min((t+1)/warmup, 1)
	}
	return lr
}

// logStep adds a training call's sums (steps steps of examples examples)
// to the interval of the next step line, and writes that line when the
// call crossed a multiple of the interval.
func (l *loop) logStep(lossSum, correct float64, steps, examples int) error {
	st := &l.st
	st.LogLossSum += lossSum
	st.LogCorrect += correct
	st.LogExamples += examples
	every := l.cfg.LogInterval(l.prog.totalSteps)
	if every == 0 || st.GlobalStep/every == (st.GlobalStep-steps)/every || st.LogExamples == 0 {
		return nil
	}
	s := runfolder.StepMetrics{
		Kind: runfolder.StepKind, GlobalStep: st.GlobalStep,
		Epochs:    float64(st.Epoch) + float64(st.StepInEpoch)/float64(max(l.prog.Batches().StepsPerEpoch(), 1)),
		TrainLoss: st.LogLossSum / float64(st.LogExamples), TrainAccuracy: st.LogCorrect / float64(st.LogExamples),
		LR:             l.prog.LearningRate(st.GlobalStep - 1),
		ElapsedSeconds: time.Since(l.summary.StartedAt).Seconds(),
	}
	st.LogLossSum, st.LogCorrect, st.LogExamples = 0, 0, 0
	if err := l.rd.appendLine(s); err != nil {
		return err
	}
	l.obs.report(StepLogged{s})
	return nil
}
