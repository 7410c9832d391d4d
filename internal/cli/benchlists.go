package cli

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/neurona/neurona/internal/human"
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

// parseSizes parses "32,128,1024".
func parseSizes(text string) ([]int, error) {
	var out []int
	for _, p := range strings.Split(text, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || n < 1 || n > config.MaxBatchSize {
			return nil, fmt.Errorf("%q is not a batch size (want sizes of 1 to %d separated by commas)", p, config.MaxBatchSize)
		}
		out = append(out, n)
	}
	return out, nil
}
