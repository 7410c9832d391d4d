package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/neurona/neurona/train/bench"
	"github.com/neurona/neurona/train/config"
)

func TestBenchWritesConsistentReports(t *testing.T) {
	// Fake digits (a test set larger than the largest batch): the report's
	// consistency does not need MNIST's 60,000 images.
	dataDir := fakeMNISTOfSize(t, 1000, 200)
	dir := t.TempDir()
	jsonPath, mdPath, plotPath := filepath.Join(dir, "b.json"), filepath.Join(dir, "b.md"), filepath.Join(dir, "b.png")
	var stdout, stderr bytes.Buffer
	code := Main([]string{"bench", "--data-dir", dataDir, "--model", "perceptron", "--batch-size", "16,64", "--min-steps", "5", "--min-seconds", "0.05",
		"--warmup-seconds", "0", "--repeats", "2", "--target", "0.5", "--max-epochs", "1", "--seeds", "1,2",
		"--json", "--json-out", jsonPath, "--md", mdPath, "--plot", plotPath}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout.String(), stderr.String())
	}
	rep, err := bench.ReadJSON(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Results) != 2 || rep.Machine.Cores < 1 || rep.Machine.GoVersion == "" || rep.WhatIsTimed == "" {
		t.Fatalf("report: %+v", rep)
	}
	var table bytes.Buffer // what bench prints without --json
	if err := bench.Table(&table, rep.Results); err != nil {
		t.Fatal(err)
	}
	for _, r := range rep.Results {
		if r.StepsPerCall != 1 || r.Loop != config.LoopWhile {
			t.Errorf("batch %d: %d steps per call in a %q loop; want the automatic 1 (reported as a While loop)", r.Batch, r.StepsPerCall, r.Loop)
		}
		if r.StepsPerSecond <= 0 || r.TimedSteps < 10 || len(r.RepeatStepsPerSec) != 2 {
			t.Errorf("batch %d: %+v", r.Batch, r)
		}
		if got, want := r.ExamplesPerSecond, r.StepsPerSecond*float64(r.Batch); got < want*0.999 || got > want*1.001 {
			t.Errorf("batch %d: %g examples/s is not %g steps/s x %d", r.Batch, got, r.StepsPerSecond, r.Batch)
		}
		if !(r.LatencyP50 > 0 && r.LatencyP50 <= r.LatencyP90 && r.LatencyP90 <= r.LatencyP99) {
			t.Errorf("batch %d: latencies p50 %g p90 %g p99 %g", r.Batch, r.LatencyP50, r.LatencyP90, r.LatencyP99)
		}
		if r.EvalExamplesPerSec <= 0 || r.GFLOPSAchieved <= 0 || r.PeakHostMB <= 0 || r.SpeedupVsFirst != 1 {
			t.Errorf("batch %d: eval %g, GFLOP/s %g, RSS %g, speed-up %g", r.Batch, r.EvalExamplesPerSec, r.GFLOPSAchieved, r.PeakHostMB, r.SpeedupVsFirst)
		}
		if !r.TargetReached || r.EpochsToTarget != 1 || r.TimeToTargetSec <= 0 {
			t.Errorf("batch %d: the perceptron did not reach 0.5 test accuracy in one epoch: %+v", r.Batch, r)
		}
		if len(r.TargetRuns) != 2 || r.TargetRuns[0].Seed != 1 || r.TargetRuns[1].Seed != 2 || len(r.TargetRuns[1].Curve) != 1 {
			t.Errorf("batch %d: the runs of seeds 1 and 2: %+v", r.Batch, r.TargetRuns)
		} else if lo, hi := min(r.TargetRuns[0].Seconds, r.TargetRuns[1].Seconds), max(r.TargetRuns[0].Seconds, r.TargetRuns[1].Seconds); r.TimeToTargetSec < lo || r.TimeToTargetSec > hi {
			t.Errorf("batch %d: median time %g outside the seeds' %g and %g", r.Batch, r.TimeToTargetSec, lo, hi)
		}
		if !strings.Contains(table.String(), fmt.Sprintf("time to 0.5, go:ops_sequential batch %d f32: seed 1 ", r.Batch)) {
			t.Errorf("batch %d: no line for each seed's run:\n%s", r.Batch, table.String())
		}
	}
	md, err := os.ReadFile(mdPath)
	// The perceptron is small enough for the Go backend's sequential mode.
	if err != nil || !strings.Contains(string(md), "| go:ops_sequential | 16 |") {
		t.Errorf("markdown: %v\n%s", err, md)
	}
	if w, h := pngSize(t, plotPath); w < 100 || h < 100 {
		t.Errorf("plot %s is %dx%d", plotPath, w, h)
	}
	// --json: stdout holds the report alone, the same as --json-out's file.
	var onStdout bench.Report
	if err := json.Unmarshal(stdout.Bytes(), &onStdout); err != nil || len(onStdout.Results) != len(rep.Results) ||
		onStdout.Results[0].StepsPerSecond != rep.Results[0].StepsPerSecond {
		t.Errorf("stdout is not the JSON report (%v):\n%s", err, stdout.String())
	}
	if strings.Contains(stdout.String(), "train steps/s") || !strings.Contains(stderr.String(), "bench perceptron") {
		t.Errorf("with --json the table went to stdout, or the header not to stderr:\n%s\n%s", stdout.String(), stderr.String())
	}

	// Comparing a report with itself flags nothing.
	stdout.Reset()
	if code := Main([]string{"bench", "--compare", jsonPath, jsonPath}, &stdout, &stderr); code != 0 {
		t.Fatalf("compare: exit %d: %s", code, stderr.String())
	}
	if strings.Contains(stdout.String(), "%  !") || !strings.Contains(stdout.String(), "+0.0%") {
		t.Errorf("compare of a report with itself:\n%s", stdout.String())
	}
}

func TestBenchBadFlags(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"a bad batch list", []string{"bench", "--batch-size", "32,,x"}, 2, `--batch-size "32,,x"`},
		{"a zero batch", []string{"bench", "--batch-size", "0"}, 2, "is not a batch size"},
		{"the old --batch with --batch-size", []string{"bench", "--batch", "32", "--batch-size", "64"}, 2, "give one"},
		{"--json followed by a file, its old meaning", []string{"bench", "--json", "out.json"}, 2, "--json-out FILE"},
		{"zero repeats", []string{"bench", "--repeats", "0"}, 2, "--repeats 0"},
		{"a target of 1", []string{"bench", "--target", "1"}, 2, "--target 1"},
		{"a bad seed", []string{"bench", "--seeds", "1,x"}, 2, `"x" is not a seed`},
		{"an unknown schedule", []string{"bench", "--schedule", "step"}, 2, `--schedule "step" (accepted: constant, cosine)`},
		{"a warm-up beyond the epochs", []string{"bench", "--warmup", "9", "--max-epochs", "2"}, 2, "--warmup 9"},
		{"an unknown backend", []string{"bench", "--backends", "tpu"}, 2, "unknown backend"},
		{"an unknown model", []string{"bench", "--model", "cnn"}, 2, "accepted: perceptron, mlp"},
		{"an unknown loop", []string{"bench", "--loop", "scan"}, 2, `--loop "scan" (accepted: while, unroll)`},
		{"negative steps per call", []string{"bench", "--steps-per-call", "-3"}, 2, "--steps-per-call -3"},
		{"an unknown precision", []string{"bench", "--precision", "f32,fp16"}, 2, `--precision "f32,fp16": "fp16" is not a precision (accepted`},
		{"a precision given twice", []string{"bench", "--precision", "bf16,bf16"}, 2, "bf16 is given twice"},
		{"compare with one report", []string{"bench", "--compare", "a.json"}, 2, "takes two JSON reports"},
		{"compare with a broken report", []string{"bench", "--compare", bad, bad}, 1, "not a neurona bench report"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := Main(tc.args, &stdout, &stderr)
			lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
			if code != tc.code || len(lines) != 1 || !strings.Contains(lines[0], tc.want) {
				t.Errorf("exit %d, stderr %q; want exit %d and one line containing %q", code, stderr.String(), tc.code, tc.want)
			}
		})
	}
}

// A test set smaller than one batch gave an epoch without batches, and
// bench looped over empty epochs until killed. It is a usage error now,
// said at once, with what to change.
func TestBenchRefusesATestSetSmallerThanABatch(t *testing.T) {
	dataDir := fakeMNISTOfSize(t, 200, 50)
	var stdout, stderr bytes.Buffer
	code := Main([]string{"bench", "--data-dir", dataDir, "--model", "perceptron", "--batch-size", "64", "--min-steps", "2",
		"--min-seconds", "0.01", "--warmup-seconds", "0", "--repeats", "1"}, &stdout, &stderr)
	msg := strings.TrimSpace(stderr.String())
	lines := strings.Split(msg, "\n")
	last := lines[len(lines)-1]
	if code != ExitUsage || !strings.Contains(last, "the test set holds 50 examples") || !strings.Contains(last, "--batch-size") {
		t.Fatalf("exit %d, want %d; last line of stderr %q should name the test set's 50 examples and --batch-size", code, ExitUsage, last)
	}
}

// bench sized its model for MNIST's 28x28 pixels and ten digits and
// refused any other data set; it takes the data's pixels and classes now,
// as train does.
func TestBenchTakesTheDatasImageSize(t *testing.T) {
	dataDir := shapesData(t)
	var stdout, stderr bytes.Buffer
	code := Main([]string{"bench", "--data-dir", dataDir, "--model", "perceptron", "--batch-size", "16", "--min-steps", "2",
		"--min-seconds", "0.01", "--warmup-seconds", "0", "--repeats", "1"}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "perceptron 120-3") {
		t.Errorf("stdout does not name the model sized to the data (perceptron 120-3):\n%s", stdout.String())
	}
}

// TestBenchMeasuresPrecisionsSideBySide: --precision f32,bf16 measures
// each backend and batch size in both, one after the other, the speed-up
// against the first; that bf16 is no faster on the Go backend is said once.
func TestBenchMeasuresPrecisionsSideBySide(t *testing.T) {
	dataDir := fakeMNISTOfSize(t, 300, 100)
	jsonPath := filepath.Join(t.TempDir(), "b.json")
	var stdout, stderr bytes.Buffer
	code := Main([]string{"bench", "--data-dir", dataDir, "--model", "perceptron", "--backends", "go", "--batch-size", "16",
		"--precision", "f32,bf16", "--min-steps", "3", "--min-seconds", "0.02", "--warmup-seconds", "0", "--repeats", "1",
		"--json-out", jsonPath}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout.String(), stderr.String())
	}
	rep, err := bench.ReadJSON(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Results) != 2 {
		t.Fatalf("%d results, want one per precision", len(rep.Results))
	}
	f32, bf16 := rep.Results[0], rep.Results[1]
	if f32.Precision != "f32" || bf16.Precision != "bf16" || f32.Batch != bf16.Batch || f32.Backend != bf16.Backend {
		t.Errorf("results %s %d %s, then %s %d %s; want f32 then bf16 of one backend and batch",
			f32.Backend, f32.Batch, f32.Precision, bf16.Backend, bf16.Batch, bf16.Precision)
	}
	if want := bf16.StepsPerSecond / f32.StepsPerSecond; f32.SpeedupVsFirst != 1 || math.Abs(bf16.SpeedupVsFirst-want) > 1e-9 {
		t.Errorf("speed-ups %g and %g, want 1 and %g (bf16 against f32)", f32.SpeedupVsFirst, bf16.SpeedupVsFirst, want)
	}
	if n := strings.Count(stdout.String(), "--precision bf16 on go"); n != 1 {
		t.Errorf("that bf16 is no faster on the Go backend said %d times, want once:\n%s", n, stdout.String())
	}
	if !strings.Contains(stdout.String(), "precision f32, bf16") {
		t.Errorf("the header does not say the precisions measured:\n%s", stdout.String())
	}
}
