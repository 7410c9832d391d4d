package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func TestParseReport(t *testing.T) {
	runDir, _ := trainedRun(t, 1)
	o, err := parseReport([]string{runDir, "--backend", "go", "--data-dir", "d"}, testEnv(io.Discard))
	if err != nil {
		t.Fatal(err)
	}
	if o.runDir != runDir || o.out != filepath.Join(runDir, "report.html") || o.backend != "go" || o.data.DataDir != "d" {
		t.Errorf("options %+v", *o)
	}
	if !o.data.Download || o.data.Getenv == nil || o.data.Logf == nil {
		t.Errorf("data options %+v, want downloads on, getenv and logf set", o.data)
	}
	o, err = parseReport([]string{"--out", "r.html", runDir}, testEnv(io.Discard))
	if err != nil || o.out != "r.html" {
		t.Errorf("options %+v (%v), want out r.html", o, err)
	}
}

func TestReport(t *testing.T) {
	runDir, dataDir := trainedRun(t, 2)
	code, stdout, stderr := cliRun("report", runDir, "--data-dir", dataDir, "--backend", "go")
	if code != ExitOK || stderr != "" {
		t.Fatalf("exit code %d, stderr %q", code, stderr)
	}
	out := filepath.Join(runDir, "report.html")
	m := regexp.MustCompile(`wrote (\S+) \(perceptron 784-10, test accuracy ([0-9.]+)\)`).FindStringSubmatch(stdout)
	if m == nil || m[1] != out {
		t.Fatalf("stdout %q, want it to name %s, the model and the accuracy", stdout, out)
	}
	acc, _ := strconv.ParseFloat(m[2], 64)
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	for _, want := range []string{
		"<!DOCTYPE html>",
		"neurona report: perceptron 784-10",
		fmt.Sprintf(`id="test-accuracy">%.2f%%<`, 100*acc),
		"test accuracy (50 images)",
		"weights [10×784], biases [10]",
		"<td>optimizer</td><td>sgd</td>",
		"evaluation backend",
		`src="data:image/png;base64,`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("report.html does not hold %q", want)
		}
	}
	if n := strings.Count(page, `<img src="data:image/png;base64,`); n != 4 {
		t.Errorf("%d embedded pictures, want 4", n)
	}

	ckpt := filepath.Join(runDir, "checkpoints", "ckpt-000000002")
	missing := filepath.Join(t.TempDir(), "missing")
	checkFailures(t, []usageCase{
		{"no folder", []string{"report"}, ExitUsage, []string{"missing the run folder"}, 0},
		{"two folders", []string{"report", runDir, runDir}, ExitUsage, []string{"unexpected argument"}, 0},
		{"a folder that does not exist", []string{"report", missing}, ExitUsage, []string{missing, "does not exist"}, 0},
		{"a checkpoint instead of a run", []string{"report", ckpt}, ExitUsage, []string{"is a checkpoint, not a run folder"}, 0},
		{"an unknown backend", []string{"report", runDir, "--backend", "abacus"}, ExitUsage, []string{`"abacus"`}, 0},
		{"an unknown flag", []string{"report", runDir, "--bogus"}, ExitUsage, []string{"-bogus", "neurona report --help"}, 0},
		{"a data folder without MNIST", []string{"report", runDir, "--data-dir", missing}, ExitUsage, []string{"--data-dir", missing}, 0},
	})
}
