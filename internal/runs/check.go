package runs

import (
	"fmt"
	"slices"
	"strings"

	"github.com/neurona/neurona/internal/human"
	"github.com/neurona/neurona/train/config"
	"github.com/neurona/neurona/train/runfolder"
)

// Invalid is what a list shows in place of a value read back from a run's
// files that no run writes: an unknown optimizer, a negative epoch count, an
// accuracy above 1. The value itself is never shown.
const Invalid = "invalid"

// maxSeconds bounds the times a list accepts from a run's files: a
// hundred years, far above any run, far below the 300-digit numbers a
// hand-edited file can hold.
const maxSeconds = 100 * 365 * 24 * 3600

// checker collects what is wrong with the values of one file of a run.
type checker struct {
	file     string   // the file's path, for the warning
	invalid  []string // the JSON names of the fields that were wrong
	problems []string // what was wrong with them
}

// bad records that field holds a value no run writes, and why.
func (c *checker) bad(field, format string, args ...any) {
	if !slices.Contains(c.invalid, field) {
		c.invalid = append(c.invalid, field)
	}
	c.problems = append(c.problems, fmt.Sprintf(format, args...))
}

// enum checks that value (a name read from the file) is "" or one of known.
func (c *checker) enum(field, value string, known []string) bool {
	if value == "" || slices.Contains(known, value) {
		return true
	}
	c.bad(field, "%s %q is not one of %s", field, clip(value), strings.Join(known, ", "))
	return false
}

// accuracy checks an accuracy (nil: none) is in [0, 1].
func (c *checker) accuracy(field string, a *float64) *float64 {
	if a != nil && !(*a >= 0 && *a <= 1) {
		c.bad(field, "%s %.4g is outside [0, 1]", field, *a)
		return nil
	}
	return a
}

// seconds checks a time is finite, >= 0 and under maxSeconds.
func (c *checker) seconds(field string, s float64) float64 {
	if !(s >= 0 && s <= maxSeconds) {
		c.bad(field, "%s %.4g is not a time (0 to %d s)", field, s, maxSeconds)
		return 0
	}
	return s
}

// problem is the warning's text, "" if nothing was wrong.
func (c *checker) problem() string {
	if len(c.problems) == 0 {
		return ""
	}
	return c.file + ": " + strings.Join(c.problems, "; ")
}

// clip shortens a value (or an error quoting one) for a warning: a file
// may hold megabytes. Warnings are escaped where they are printed.
func clip(s string) string {
	const most = 120
	if len(s) <= most {
		return s
	}
	return strings.ToValidUTF8(s[:most], "") + "..."
}

// fromSummary fills r from the run's summary.json s, checking every value
// it shows against what train writes: a value outside it is left out and
// named in r.Invalid, and r.Problem says what was wrong.
func (r *Run) fromSummary(s *runfolder.Summary, file string) {
	c := checker{file: file}
	h := s.Hyperparameters
	// The model's own validation says what is wrong with it: "no model
	// named" for an empty or null summary.
	if spec, err := s.Model.Normalize(); err != nil {
		c.bad("model", "%s", clip(err.Error()))
	} else {
		r.Model = spec.String()
	}
	if c.enum("optimizer", h.Optimizer, config.Optimizers) {
		r.Optimizer = h.Optimizer
	}
	c.enum("schedule", h.Schedule, config.Schedules)
	c.enum("loop", h.Loop, config.Loops)
	c.enum("stop_reason", string(s.StopReason), runfolder.StopReasons)
	if h.LR != 0 && !(h.LR > 0 && h.LR <= 1e6) {
		c.bad("lr", "lr %.4g is not a learning rate (> 0, at most 1e6)", h.LR)
	} else {
		r.LR = h.LR
	}
	if h.BatchSize < 0 || h.BatchSize > config.MaxBatchSize {
		c.bad("batch_size", "batch_size %d is outside 1 to %d", h.BatchSize, config.MaxBatchSize)
	} else {
		r.BatchSize = h.BatchSize
	}
	if s.Epochs < 0 {
		c.bad("epochs", "epochs %d is negative", s.Epochs)
	} else {
		r.Epochs = s.Epochs
	}
	r.BestVal = c.accuracy("best_val_accuracy", s.BestValAccuracy)
	if val := c.accuracy("val_accuracy", s.ValAccuracy); r.BestVal == nil && !slices.Contains(c.invalid, "best_val_accuracy") {
		r.BestVal = val
	}
	r.Test = c.accuracy("test_accuracy", s.TestAccuracy)
	r.TrainSeconds = c.seconds("train_seconds", s.TrainSeconds)
	if s.Backend == "" || runfolder.ValidBackendName(s.Backend) {
		r.Backend = s.Backend
	} else {
		c.bad("backend", "backend %q is not a backend name", clip(s.Backend))
	}
	r.StartedAt, r.StoppedBecause = s.StartedAt, s.StoppedBecause
	r.Invalid, r.Problem = c.invalid, c.problem()
}

// fromMetrics fills r's epochs, best validation accuracy and time from
// metrics.jsonl's lines m (runfolder.ReadMetrics has checked their epochs).
func (r *Run) fromMetrics(m []runfolder.EpochMetrics, file string) {
	if len(m) == 0 {
		return
	}
	c := checker{file: file}
	last := m[len(m)-1]
	r.Epochs, r.TrainSeconds = last.Epoch, c.seconds("train_seconds", last.ElapsedSeconds)
	for _, e := range m {
		if v := c.accuracy("best_val_accuracy", e.ValAccuracy); v != nil && (r.BestVal == nil || *v > *r.BestVal) {
			r.BestVal = v
		}
	}
	r.Invalid, r.Problem = c.invalid, c.problem()
}

// cell is what a list shows for field: Invalid where the file's value was
// refused, else value escaped for the terminal ("-" if empty).
func (r Run) cell(field, value string) string {
	if slices.Contains(r.Invalid, field) {
		return Invalid
	}
	if value == "" {
		return "-"
	}
	return human.Text(value)
}
