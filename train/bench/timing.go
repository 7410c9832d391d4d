package bench

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	gtrain "github.com/gomlx/gomlx/ml/train"
	"github.com/neurona/neurona/data"
)

// batchT is a batch or the error that came instead.
type batchT struct {
	gtrain.Batch
	err error
}

type callTiming struct {
	steps   int
	seconds float64
}

// timeCalls runs call until both minTime and minCalls are reached.
func timeCalls(ctx context.Context, call func() (int, error), minTime time.Duration, minCalls int) ([]callTiming, error) {
	var out []callTiming
	start := time.Now()
	for len(out) < minCalls || time.Since(start) < minTime {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		t := time.Now()
		steps, err := call()
		if err != nil {
			return out, err
		}
		out = append(out, callTiming{steps: steps, seconds: time.Since(t).Seconds()})
	}
	return out, nil
}

// ErrTooFewExamples is returned when a measurement's data holds fewer
// examples than one batch.
var ErrTooFewExamples = errors.New("bench: too few examples")

// batchStream returns a function yielding batches forever, epoch after
// epoch; next(true) stops it. Data without a single batch gives an error
// wrapping ErrTooFewExamples at every call.
func batchStream(ds *data.Batches, what string) func(stop bool) (batchT, error) {
	if ds.StepsPerEpoch() == 0 {
		// An epoch without a batch would loop forever: say so instead.
		err := fmt.Errorf("%w: %s holds %d examples, fewer than one batch", ErrTooFewExamples, what, ds.Len())
		return func(bool) (batchT, error) { return batchT{err: err}, err }
	}
	ch := make(chan batchT)
	done := make(chan struct{})
	go func() {
		defer close(ch)
		for e := 0; ; e++ {
			for b, err := range ds.Epoch(e) {
				select {
				case ch <- batchT{Batch: b, err: err}:
				case <-done:
					_ = b.Finalize()
					return
				}
			}
		}
	}()
	stopped := false
	return func(stop bool) (batchT, error) {
		if stop {
			if !stopped {
				stopped = true
				close(done)
				for b := range ch {
					_ = b.Finalize()
				}
			}
			return batchT{}, nil
		}
		b := <-ch
		return b, b.err
	}
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return quantile(s, 0.5)
}

// quantile of sorted xs, linearly interpolated.
func quantile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return math.NaN()
	}
	pos := q * float64(len(sorted)-1)
	lo := int(math.Floor(pos))
	hi := min(lo+1, len(sorted)-1)
	return sorted[lo] + (pos-float64(lo))*(sorted[hi]-sorted[lo])
}

// allIndices is 0, 1, ..., n-1: every example of a set.
func allIndices(n int) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return idx
}
