package runfolder

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"

	"github.com/neurona/neurona/internal/safefile"
)

// Bounds on metrics.jsonl: a line is about 250 bytes, so even a run of a
// hundred thousand epochs writes some 25 MB.
const (
	maxMetricsBytes = 64 << 20
	maxMetricsLine  = 64 << 10
)

// EpochMetrics is one line of metrics.jsonl.
type EpochMetrics struct {
	Epoch             int      `json:"epoch"`
	GlobalStep        int      `json:"global_step"`
	TrainLoss         float64  `json:"train_loss"`
	TrainAccuracy     float64  `json:"train_accuracy"`
	ValLoss           *float64 `json:"val_loss,omitempty"`
	ValAccuracy       *float64 `json:"val_accuracy,omitempty"`
	ExamplesPerSecond float64  `json:"examples_per_second"`
	EpochSeconds      float64  `json:"epoch_seconds"`
	ElapsedSeconds    float64  `json:"elapsed_seconds"`
}

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

// ReadMetrics reads a run's metrics.jsonl and returns its epoch lines
// (ReadRunMetrics returns its step lines too). A line that is not one (a
// crash can leave a truncated last line, an edit a garbage one) is skipped
// and described in damaged as "file:line: why", for the caller to warn
// about. A missing file is an error wrapping fs.ErrNotExist; one larger
// than any run writes is refused unread.
func ReadMetrics(path string) (metrics []EpochMetrics, damaged []string, err error) {
	m, damaged, err := ReadRunMetrics(path)
	return m.Epochs, damaged, err
}

// ReadRunMetrics reads a run's metrics.jsonl, its epoch and step lines, as
// ReadMetrics does.
func ReadRunMetrics(path string) (RunMetrics, []string, error) {
	raw, err := safefile.ReadFile(path, maxMetricsBytes)
	if err != nil {
		return RunMetrics{}, nil, err
	}
	m, damaged := ParseMetrics(path, raw)
	return m, damaged, nil
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
