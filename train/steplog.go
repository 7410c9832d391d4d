package train

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"time"
)

// StepKind is the kind field of a StepMetrics line.
const StepKind = "step"

// StepMetrics is a line of metrics.jsonl written every Config.LogEvery
// training steps, between the epoch lines (EpochMetrics). Its "kind" field
// tells it from an epoch line, which has none, and it has no "epoch" field,
// so a reader that knows only epoch lines skips it as damaged rather than
// mistaking it for an epoch.
type StepMetrics struct {
	Kind       string `json:"kind"` // StepKind
	GlobalStep int    `json:"global_step"`
	// Epochs is the training done, in epochs (fractions included): where
	// the line sits on a curve of epochs.
	Epochs float64 `json:"epochs"`
	// TrainLoss and TrainAccuracy are the means over the examples of the
	// training calls since the previous step line (or the run's start):
	// what those calls returned, with no extra read from the device.
	TrainLoss     float64 `json:"train_loss"`
	TrainAccuracy float64 `json:"train_accuracy"`
	// LR is the learning rate of the last of those steps, after the
	// schedule and the warm-up.
	LR             float64 `json:"lr"`
	ElapsedSeconds float64 `json:"elapsed_seconds"`
}

// RunMetrics is a run's metrics.jsonl: its epoch lines and its step lines,
// each in the file's order.
type RunMetrics struct {
	Epochs []EpochMetrics
	Steps  []StepMetrics
}

// ParseMetrics parses the contents of a metrics.jsonl, name prefixing the
// descriptions of damaged lines ("name:line: why"), which are skipped. A
// line of a kind this version does not know (written by a newer one) is
// skipped without a word.
func ParseMetrics(name string, raw []byte) (m RunMetrics, damaged []string) {
	for n, line := range bytes.Split(raw, []byte("\n")) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		bad := func(why string) {
			damaged = append(damaged, fmt.Sprintf("%s:%d: damaged line skipped (%s)", name, n+1, why))
		}
		if len(line) > maxMetricsLine {
			bad(fmt.Sprintf("%d bytes, more than any line a run writes", len(line)))
			continue
		}
		var probe struct {
			Kind string `json:"kind"`
		}
		if err := json.Unmarshal(line, &probe); err != nil {
			bad(err.Error())
			continue
		}
		switch probe.Kind {
		case "":
			var e EpochMetrics
			if err := json.Unmarshal(line, &e); err != nil {
				bad(err.Error())
				continue
			}
			if e.Epoch < 1 {
				bad(fmt.Sprintf("epoch %d", e.Epoch))
				continue
			}
			m.Epochs = append(m.Epochs, e)
		case StepKind:
			var s StepMetrics
			if err := json.Unmarshal(line, &s); err != nil {
				bad(err.Error())
				continue
			}
			if s.GlobalStep < 1 || !(s.Epochs >= 0) || math.IsInf(s.Epochs, 0) {
				bad(fmt.Sprintf("step %d at epoch %g", s.GlobalStep, s.Epochs))
				continue
			}
			m.Steps = append(m.Steps, s)
		}
	}
	return m, damaged
}

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
	s := StepMetrics{
		Kind: StepKind, GlobalStep: st.GlobalStep,
		Epochs:    float64(st.Epoch) + float64(st.StepInEpoch)/float64(max(l.prog.Batches().StepsPerEpoch(), 1)),
		TrainLoss: st.LogLossSum / float64(st.LogExamples), TrainAccuracy: st.LogCorrect / float64(st.LogExamples),
		LR:             l.prog.LearningRate(st.GlobalStep - 1),
		ElapsedSeconds: time.Since(l.summary.StartedAt).Seconds(),
	}
	st.LogLossSum, st.LogCorrect, st.LogExamples = 0, 0, 0
	return l.rd.appendLine(s)
}
