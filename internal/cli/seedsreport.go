package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"text/tabwriter"

	"github.com/neurona/neurona/internal/atomicfile"
	"github.com/neurona/neurona/internal/human"
	"github.com/neurona/neurona/internal/safejson"
	"github.com/neurona/neurona/train/runfolder"
)

// seedsFile is the file `train --seeds` writes in the seeds' folder.
const seedsFile = "seeds.json"

// seedsReport is seeds.json: each seed's results, and the test accuracy's
// mean and spread over the seeds that finished.
type seedsReport struct {
	Recipe            string       `json:"recipe"`
	Dir               string       `json:"dir"`
	Grouped           bool         `json:"grouped"` // trained side by side in one train.Group
	NotGroupedBecause string       `json:"not_grouped_because,omitempty"`
	Seeds             []seedResult `json:"seeds"`
	TestAccuracy      *seedStats   `json:"test_accuracy,omitempty"` // none when no seed finished
}

// seedStatus says how a seed's training ended.
type seedStatus string

const (
	seedFinished    seedStatus = "finished"
	seedInterrupted seedStatus = "interrupted" // stopped by a signal; resumes from its checkpoint
	seedFailed      seedStatus = "failed"
)

// seedResult is one seed's line of the report.
type seedResult struct {
	Seed            uint64     `json:"seed"`
	RunDir          string     `json:"run_dir"`
	Status          seedStatus `json:"status"`
	Error           string     `json:"error,omitempty"`
	BestValAccuracy *float64   `json:"best_val_accuracy,omitempty"`
	TestAccuracy    *float64   `json:"test_accuracy,omitempty"`
	Epochs          int        `json:"epochs"`
	WallSeconds     float64    `json:"wall_seconds"`
	LastCheckpoint  string     `json:"last_checkpoint,omitempty"`
}

// seedStats is a spread of values over seeds.
type seedStats struct {
	Seeds int     `json:"seeds"`
	Mean  float64 `json:"mean"`
	// SD is the sample standard deviation (n-1); none for one seed.
	SD  *float64 `json:"sd,omitempty"`
	Min float64  `json:"min"`
	Max float64  `json:"max"`
}

// statsOf is the mean, sample standard deviation, min and max of xs, or
// nil for none.
func statsOf(xs []float64) *seedStats {
	if len(xs) == 0 {
		return nil
	}
	s := &seedStats{Seeds: len(xs), Min: math.Inf(1), Max: math.Inf(-1)}
	for _, x := range xs {
		s.Mean += x
		s.Min, s.Max = min(s.Min, x), max(s.Max, x)
	}
	s.Mean /= float64(len(xs))
	if len(xs) > 1 {
		var ss float64
		for _, x := range xs {
			ss += (x - s.Mean) * (x - s.Mean)
		}
		sd := math.Sqrt(ss / float64(len(xs)-1))
		s.SD = &sd
	}
	return s
}

// seedsReportOf collects the members' results.
func seedsReportOf(o *trainOptions, dir string, members []*seedMember, grouped bool, why string) *seedsReport {
	r := &seedsReport{Recipe: o.cfg.Recipe(), Dir: dir, Grouped: grouped, NotGroupedBecause: why}
	var accs []float64
	for _, m := range members {
		res := seedResult{Seed: m.seed, RunDir: m.dir, Status: seedFinished}
		if s := m.summary; s != nil {
			res.BestValAccuracy, res.TestAccuracy = s.BestValAccuracy, s.TestAccuracy
			res.Epochs, res.WallSeconds, res.LastCheckpoint = s.Epochs, s.WallSeconds, s.LastCheckpoint
		}
		switch {
		case errors.Is(m.err, context.Canceled):
			res.Status, res.TestAccuracy = seedInterrupted, nil
		case m.err != nil:
			res.Status, res.Error, res.TestAccuracy = seedFailed, oneLine(m.err.Error()), nil
		case res.TestAccuracy == nil:
			res.Status, res.Error = seedFailed, "no test accuracy in its summary"
		default:
			accs = append(accs, *res.TestAccuracy)
		}
		r.Seeds = append(r.Seeds, res)
	}
	r.TestAccuracy = statsOf(accs)
	return r
}

// count is the number of seeds with status s.
func (r *seedsReport) count(s seedStatus) int {
	n := 0
	for _, res := range r.Seeds {
		if res.Status == s {
			n++
		}
	}
	return n
}

// writeSeedsTable writes the report's table and its line of spread:
// "test accuracy 0.9824 ± 0.0007 (mean ± sd over 5 seeds, min 0.9815, max 0.9833)".
func writeSeedsTable(w io.Writer, r *seedsReport) {
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "seed\tbest val\ttest acc\tepochs\ttime\t")
	for _, s := range r.Seeds {
		time := "-"
		if s.WallSeconds > 0 {
			time = fmt.Sprintf("%.1fs", s.WallSeconds)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%s\t  %s\n", s.Seed, accOrDash(s.BestValAccuracy), accOrDash(s.TestAccuracy), s.Epochs, time, statusWords(s))
	}
	tw.Flush()
	fmt.Fprintln(w)
	switch st := r.TestAccuracy; {
	case st == nil:
		fmt.Fprintln(w, "test accuracy: no seed finished")
	case st.SD == nil:
		fmt.Fprintf(w, "test accuracy %.4f (one seed: no spread)\n", st.Mean)
	default:
		fmt.Fprintf(w, "test accuracy %.4f ± %.4f (mean ± sd over %d seeds, min %.4f, max %.4f)\n", st.Mean, *st.SD, st.Seeds, st.Min, st.Max)
	}
}

// statusWords is a seed's status in the table: its run folder when it
// finished, else what stopped it.
func statusWords(s seedResult) string {
	switch s.Status {
	case seedInterrupted:
		if s.LastCheckpoint != "" {
			return "interrupted, saved " + s.LastCheckpoint
		}
		return "interrupted before training"
	case seedFailed:
		return "failed (why: on stderr, and in " + seedsFile + ")"
	}
	return s.RunDir
}

func accOrDash(f *float64) string {
	if f == nil {
		return "-"
	}
	return fmt.Sprintf("%.4f", *f)
}

// epochsOf is "3 epochs" for a finished run's summary.
func epochsOf(s *runfolder.Summary) string { return human.Count(s.Epochs, "epoch") }

// writeSeedsJSON writes the report to path, whole or not at all.
func writeSeedsJSON(path string, r *seedsReport) error {
	b, err := safejson.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(path, append(b, '\n')); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
