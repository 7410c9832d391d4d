package cli

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/neurona/neurona/data"
	"github.com/neurona/neurona/internal/human"
	"github.com/neurona/neurona/train/bench"
	"github.com/neurona/neurona/train/config"
)

// parsePrecisions reads bench's --precision, a list of the precision
// field's words, into o.cfg.Precisions (none: f32).
func (o *benchOptions) parsePrecisions(text string) error {
	if text == "" {
		o.cfg.Precisions = []string{config.PrecisionF32}
		return nil
	}
	o.cfg.Precisions = nil
	for _, p := range strings.Split(text, ",") {
		p = strings.TrimSpace(p)
		switch {
		case !slices.Contains(config.Precisions, p):
			return usagef("--precision %s: %s is not a precision (accepted, comma-separated to compare them: %s)",
				human.Quote(text), human.Quote(p), strings.Join(config.Precisions, ", "))
		case slices.Contains(o.cfg.Precisions, p):
			return usagef("--precision %s: %s is given twice", human.Quote(text), p)
		}
		o.cfg.Precisions = append(o.cfg.Precisions, p)
	}
	return nil
}

// defaultBenchBatches is bench's batch sizes when --batch-size is not given:
// 32, 128 and 1024, and the model's recipe batch size (config.Defaults), so
// that --target times the recipe `neurona train` runs.
func defaultBenchBatches(model string) []int {
	sizes := []int{32, 128, 1024}
	if own := config.Defaults(model).BatchSize; own > 0 && !slices.Contains(sizes, own) {
		sizes = append(sizes, own)
		slices.Sort(sizes)
	}
	return sizes
}

// parseSizes parses "32,128,1024": batch sizes, each once.
func parseSizes(text string) ([]int, error) {
	var out []int
	for _, p := range strings.Split(text, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		switch {
		case err != nil || n < 1 || n > config.MaxBatchSize:
			return nil, fmt.Errorf("%s is not a batch size (want sizes of 1 to %d separated by commas)", human.Quote(p), config.MaxBatchSize)
		case slices.Contains(out, n):
			return nil, fmt.Errorf("%d is given twice", n)
		}
		out = append(out, n)
	}
	return out, nil
}

// parseTrials parses bench's --trials, "1,8,64": group sizes of 1 to
// bench.MaxTrials, each once.
func parseTrials(text string) ([]int, error) {
	var out []int
	for _, p := range strings.Split(text, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		switch {
		case err != nil || n < 1 || n > bench.MaxTrials:
			return nil, usagef("--trials %s: %s is not a group size (want sizes of 1 to %d separated by commas, e.g. 1,8,64)",
				human.Quote(text), human.Quote(p), bench.MaxTrials)
		case slices.Contains(out, n):
			return nil, usagef("--trials %s: %d is given twice", human.Quote(text), n)
		}
		out = append(out, n)
	}
	return out, nil
}

// benchTrials measures the groups of trials of --trials and writes their
// table on stdout (none with --json: the report holds them), what is
// measured on text.
func benchTrials(e *env, o *benchOptions, mnist *data.MNIST, text io.Writer) ([]bench.TrialResult, error) {
	fmt.Fprintf(text, "\ntrials   groups of %v trials (seeds %d, %d...), each against one trial\n", o.cfg.Trials, o.cfg.Base.Seed, o.cfg.Base.Seed+1)
	results, err := bench.RunTrials(e.ctx, o.cfg, mnist, func(r bench.TrialResult) {
		fmt.Fprintf(e.stderr, "  measured %s batch %d %s, %s: %.1f steps x trials/s\n", r.Backend, r.Batch, r.Precision, human.Count(r.Trials, "trial"), r.TrialStepsPerSecond)
	})
	if err != nil {
		return nil, err
	}
	if !o.json { // the JSON report holds them
		if err := bench.TrialsTable(e.stdout, results); err != nil {
			return nil, err
		}
	}
	for _, r := range results {
		if r.Trials > 1 && !r.Grouped {
			fmt.Fprintf(text, "note: %s batch %d %s: the %d trials trained one after another, each its own program (not grouped: %s)\n",
				r.Backend, r.Batch, r.Precision, r.Trials, r.NotGroupedBecause)
		}
	}
	return results, nil
}
