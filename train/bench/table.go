package bench

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/neurona/neurona/train/config"
)

// Header is the table's column names.
var Header = []string{"backend", "batch", "precision", "shards", "steps/call", "startup s", "compile s", "train steps/s", "train ex/s", "p50 ms", "p90 ms",
	"p99 ms", "spread", "eval ex/s", "GFLOP/s", "speed-up", "peak RSS MB", "time to target"}

// Row formats one result as table cells.
func Row(r Result) []string {
	tta := "-"
	if r.TargetAccuracy > 0 {
		if r.TargetReached {
			tta = fmt.Sprintf("%.1fs (%d ep)", r.TimeToTargetSec, r.EpochsToTarget)
		} else {
			tta = fmt.Sprintf("not reached (%.4f)", r.FinalTestAccuracy)
		}
	}
	perCall := fmt.Sprint(r.StepsPerCall)
	if r.Loop == config.LoopUnroll && r.StepsPerCall > 1 {
		perCall += " unrolled"
	}
	compile := fmt.Sprintf("%.2f", r.CompileSeconds)
	if r.CompileCache != "" {
		compile += " " + r.CompileCache
	}
	shards := fmt.Sprint(max(r.Shards, 1)) // a report written before shards existed: 0, unsplit
	if r.AutoShards {
		shards += " auto"
	}
	return []string{r.Backend, fmt.Sprint(r.Batch), precisionOf(r), shards, perCall, fmt.Sprintf("%.2f", r.StartupSeconds), compile,
		fmt.Sprintf("%.1f", r.StepsPerSecond), fmt.Sprintf("%.0f", r.ExamplesPerSecond),
		fmt.Sprintf("%.2f", r.LatencyP50), fmt.Sprintf("%.2f", r.LatencyP90), fmt.Sprintf("%.2f", r.LatencyP99),
		fmt.Sprintf("%.1f%%", 100*r.Spread), fmt.Sprintf("%.0f", r.EvalExamplesPerSec), fmt.Sprintf("%.1f", r.GFLOPSAchieved),
		fmt.Sprintf("%.2fx", r.SpeedupVsFirst), fmt.Sprintf("%.0f", r.PeakHostMB), tta}
}

// precisionOf is r's precision, f32 in reports written before bench
// measured others.
func precisionOf(r Result) string {
	if r.Precision == "" {
		return config.PrecisionF32
	}
	return r.Precision
}

// Table writes the aligned table and the warnings.
func Table(w io.Writer, results []Result) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, strings.Join(Header, "\t")+"\t")
	for _, r := range results {
		fmt.Fprintln(tw, strings.Join(Row(r), "\t")+"\t")
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, r := range results {
		if line := SeedsLine(r); line != "" {
			fmt.Fprintln(w, line)
		}
	}
	for _, r := range results {
		if r.Note != "" {
			fmt.Fprintf(w, "note: %s batch %d %s: %s\n", r.Backend, r.Batch, precisionOf(r), r.Note)
		}
		if r.Warning != "" {
			fmt.Fprintf(w, "warning: %s batch %d %s: %s\n", r.Backend, r.Batch, precisionOf(r), r.Warning)
		}
	}
	return nil
}

// SeedsLine describes each seed's time-to-accuracy run of r, or is empty
// without one: "time to 0.98, go batch 1024 f32: seed 1 9.8s (3 ep), seed 2
// not reached (0.9791), ...; median 9.8s".
func SeedsLine(r Result) string {
	if len(r.TargetRuns) == 0 {
		return ""
	}
	var parts []string
	for _, run := range r.TargetRuns {
		if run.Reached {
			parts = append(parts, fmt.Sprintf("seed %d %.1fs (%d ep)", run.Seed, run.Seconds, run.Epochs))
		} else {
			parts = append(parts, fmt.Sprintf("seed %d not reached (%.4f)", run.Seed, run.Accuracy))
		}
	}
	median := "not reached by every seed"
	if r.TargetReached {
		median = fmt.Sprintf("%.1fs", r.TimeToTargetSec)
	}
	return fmt.Sprintf("time to %g, %s batch %d %s: %s; median %s", r.TargetAccuracy, r.Backend, r.Batch, precisionOf(r), strings.Join(parts, ", "), median)
}

// Markdown writes the results as a Markdown table.
func Markdown(w io.Writer, rep Report) error {
	model := ""
	if len(rep.Results) > 0 {
		model = rep.Results[0].Model
	}
	where := fmt.Sprintf("%s, %d cores", rep.Machine.CPU, rep.Machine.Cores)
	if len(rep.Machine.GPUs) > 0 {
		where += "; " + strings.Join(rep.Machine.GPUs, "; ")
	}
	fmt.Fprintf(w, "Model %s on %s (%s, GoMLX %s, GOEXPERIMENT=%s).\n\n", model, where, rep.Machine.GoVersion, rep.Machine.GoMLX, rep.Machine.GOEXPERIMENT)
	fmt.Fprintf(w, "| %s |\n|%s\n", strings.Join(Header, " | "), strings.Repeat(" --- |", len(Header)))
	for _, r := range rep.Results {
		fmt.Fprintf(w, "| %s |\n", strings.Join(Row(r), " | "))
	}
	for _, r := range rep.Results {
		if line := SeedsLine(r); line != "" {
			fmt.Fprintf(w, "\n%s\n", line)
		}
	}
	return nil
}
