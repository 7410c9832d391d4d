package bench

import (
	"fmt"
	"io"
	"math"
	"text/tabwriter"
)

// Compare writes, per configuration found in both reports, the change of
// training steps/s, flagged with "!" where it exceeds the larger measured
// spread of the two (or 2%).
func Compare(w io.Writer, old, cur Report) error {
	type key struct {
		backend, model, precision string
		batch                     int
	}
	before := map[key]Result{}
	for _, r := range old.Results {
		before[key{r.Backend, r.Model, precisionOf(r), r.Batch}] = r
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "backend\tmodel\tbatch\tprecision\told steps/s\tnew steps/s\tchange\tnoise\t\t")
	matched := 0
	for _, r := range cur.Results {
		o, ok := before[key{r.Backend, r.Model, precisionOf(r), r.Batch}]
		if !ok {
			continue
		}
		matched++
		change := r.StepsPerSecond/o.StepsPerSecond - 1
		noise := math.Max(math.Max(o.Spread, r.Spread), 0.02)
		flag := ""
		if math.Abs(change) > noise {
			flag = "!"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%.1f\t%.1f\t%+.1f%%\t±%.1f%%\t%s\t\n", r.Backend, r.Model, r.Batch, precisionOf(r),
			o.StepsPerSecond, r.StepsPerSecond, 100*change, 100*noise, flag)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if matched == 0 {
		return fmt.Errorf("the two reports share no (backend, model, batch, precision) configuration")
	}
	fmt.Fprintln(w, "! marks a change larger than the spread measured across repeats in either run (at least 2%).")
	return nil
}
