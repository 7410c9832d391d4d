// Package benchout formats `neurona bench` results: the aligned table, the
// Markdown table, the JSON report with the machine's description, the plot,
// and the comparison of two JSON reports.
package benchout

import (
	"bufio"
	"encoding/json"
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/neurona/neurona/train"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"

	"github.com/neurona/neurona/train/safejson"
)

// Machine describes where a benchmark ran.
type Machine struct {
	CPU          string   `json:"cpu"`
	Cores        int      `json:"cores"`
	GPUs         []string `json:"gpus,omitempty"`
	OS           string   `json:"os"`
	GoVersion    string   `json:"go_version"`
	GoMLX        string   `json:"gomlx_version"`
	GOEXPERIMENT string   `json:"goexperiment"`
	Neurona      string   `json:"neurona_version"`
}

// Report is the --json file.
type Report struct {
	StartedAt   time.Time           `json:"started_at"`
	Machine     Machine             `json:"machine"`
	WhatIsTimed string              `json:"what_is_timed"`
	Config      map[string]any      `json:"config"`
	Results     []train.BenchResult `json:"results"`
}

// WhatIsTimed is stated in every report.
const WhatIsTimed = "startup: creating the backend; compile: compiling the training call; " +
	"steady state: after warm-up, training calls back to back on real MNIST batches (host batch assembly with " +
	"prefetch, transfer, the step, and reading the loss back, which synchronizes with the device), repeated, " +
	"median quoted; latency: per step; eval: forward passes on test batches; time to accuracy: from the first " +
	"training step to the end of the first test evaluation at or above the target, evaluations included, " +
	"start-up, data loading and compilation excluded."

// DescribeMachine reads the CPU model and the build.
func DescribeMachine(results []train.BenchResult) Machine {
	b := train.Build()
	m := Machine{CPU: cpuModel(), Cores: runtime.NumCPU(), OS: runtime.GOOS + "/" + runtime.GOARCH,
		GoVersion: b.GoVersion, GoMLX: b.GoMLX, GOEXPERIMENT: b.GOEXPERIMENT, Neurona: b.Version}
	seen := map[string]bool{}
	for _, r := range results {
		if strings.HasPrefix(r.Backend, "xla:cuda") && !seen[r.BackendDescription] {
			seen[r.BackendDescription] = true
			m.GPUs = append(m.GPUs, r.BackendDescription)
		}
	}
	return m
}

func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

// Header is the table's column names.
var Header = []string{"backend", "batch", "steps/call", "startup s", "compile s", "train steps/s", "train ex/s", "p50 ms", "p90 ms",
	"p99 ms", "spread", "eval ex/s", "GFLOP/s", "speed-up", "peak RSS MB", "time to target"}

// Row formats one result as table cells.
func Row(r train.BenchResult) []string {
	tta := "-"
	if r.TargetAccuracy > 0 {
		if r.TargetReached {
			tta = fmt.Sprintf("%.1fs (%d ep)", r.TimeToTargetSec, r.EpochsToTarget)
		} else {
			tta = fmt.Sprintf("not reached (%.4f)", r.FinalTestAccuracy)
		}
	}
	perCall := fmt.Sprint(r.StepsPerCall)
	if r.Loop == train.LoopUnroll && r.StepsPerCall > 1 {
		perCall += " unrolled"
	}
	return []string{r.Backend, fmt.Sprint(r.Batch), perCall, fmt.Sprintf("%.2f", r.StartupSeconds), fmt.Sprintf("%.2f", r.CompileSeconds),
		fmt.Sprintf("%.1f", r.StepsPerSecond), fmt.Sprintf("%.0f", r.ExamplesPerSecond),
		fmt.Sprintf("%.2f", r.LatencyP50), fmt.Sprintf("%.2f", r.LatencyP90), fmt.Sprintf("%.2f", r.LatencyP99),
		fmt.Sprintf("%.1f%%", 100*r.Spread), fmt.Sprintf("%.0f", r.EvalExamplesPerSec), fmt.Sprintf("%.1f", r.GFLOPSAchieved),
		fmt.Sprintf("%.2fx", r.SpeedupVsFirst), fmt.Sprintf("%.0f", r.PeakHostMB), tta}
}

// Table writes the aligned table and the warnings.
func Table(w io.Writer, results []train.BenchResult) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, strings.Join(Header, "\t")+"\t")
	for _, r := range results {
		fmt.Fprintln(tw, strings.Join(Row(r), "\t")+"\t")
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, r := range results {
		if r.Note != "" {
			fmt.Fprintf(w, "note: %s batch %d: %s\n", r.Backend, r.Batch, r.Note)
		}
		if r.Warning != "" {
			fmt.Fprintf(w, "warning: %s batch %d: %s\n", r.Backend, r.Batch, r.Warning)
		}
	}
	return nil
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
	return nil
}

// WriteJSON writes rep to path.
func WriteJSON(path string, rep Report) error {
	data, err := safejson.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(data, '\n'), 0o644)
}

// ReadJSON reads a --json report.
func ReadJSON(path string) (Report, error) {
	var rep Report
	data, err := os.ReadFile(path)
	if err != nil {
		return rep, err
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		return rep, fmt.Errorf("%s: not a neurona bench report: %w", path, err)
	}
	return rep, nil
}

// Plot draws training examples/s per batch size, one bar per backend.
func Plot(path string, results []train.BenchResult) error {
	var batches []int
	var backends []string
	value := map[string]map[int]float64{}
	for _, r := range results {
		if value[r.Backend] == nil {
			value[r.Backend] = map[int]float64{}
			backends = append(backends, r.Backend)
		}
		value[r.Backend][r.Batch] = r.ExamplesPerSecond
		if !containsInt(batches, r.Batch) {
			batches = append(batches, r.Batch)
		}
	}
	p := plot.New()
	p.Title.Text = "neurona bench: training throughput"
	p.Y.Label.Text = "examples / s"
	p.X.Label.Text = "batch size"
	width := vg.Points(float64(60) / float64(max(len(backends), 1)))
	for i, b := range backends {
		vals := make(plotter.Values, len(batches))
		for j, batch := range batches {
			vals[j] = value[b][batch]
		}
		bars, err := plotter.NewBarChart(vals, width)
		if err != nil {
			return err
		}
		bars.Color = plotutil.Color(i)
		bars.LineStyle.Color = color.Black
		bars.Offset = width * vg.Length(float64(i)-float64(len(backends)-1)/2)
		p.Add(bars)
		p.Legend.Add(b, bars)
	}
	p.Legend.Top, p.Legend.Left = true, true
	p.Y.Max *= 1.15 // room for the legend above the bars
	labels := make([]string, len(batches))
	for i, b := range batches {
		labels[i] = fmt.Sprint(b)
	}
	p.NominalX(labels...)
	p.X.Min, p.X.Max = -0.6, float64(len(batches))-0.4
	return p.Save(16*vg.Centimeter, 10*vg.Centimeter, path)
}

func containsInt(xs []int, x int) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// Compare writes, per configuration found in both reports, the change of
// training steps/s, flagged with "!" where it exceeds the larger measured
// spread of the two (or 2%).
func Compare(w io.Writer, old, cur Report) error {
	type key struct {
		backend, model string
		batch          int
	}
	before := map[key]train.BenchResult{}
	for _, r := range old.Results {
		before[key{r.Backend, r.Model, r.Batch}] = r
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "backend\tmodel\tbatch\told steps/s\tnew steps/s\tchange\tnoise\t\t")
	matched := 0
	for _, r := range cur.Results {
		o, ok := before[key{r.Backend, r.Model, r.Batch}]
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
		fmt.Fprintf(tw, "%s\t%s\t%d\t%.1f\t%.1f\t%+.1f%%\t±%.1f%%\t%s\t\n", r.Backend, r.Model, r.Batch,
			o.StepsPerSecond, r.StepsPerSecond, 100*change, 100*noise, flag)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if matched == 0 {
		return fmt.Errorf("the two reports share no (backend, model, batch) configuration")
	}
	fmt.Fprintln(w, "! marks a change larger than the spread measured across repeats in either run (at least 2%).")
	return nil
}
