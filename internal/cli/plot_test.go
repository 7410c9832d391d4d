package cli

import (
	"io"
	"path/filepath"
	"strings"
	"testing"
)

func TestParsePlotActivations(t *testing.T) {
	o, err := parsePlotActivations(nil, testEnv(io.Discard))
	if err != nil {
		t.Fatal(err)
	}
	if o.out != "activations.png" || o.xRange != 4 || o.points != 801 {
		t.Errorf("defaults %+v, want activations.png, range 4, 801 points", *o)
	}
	o, err = parsePlotActivations([]string{"--out", "a.png", "--range", "6", "--points", "11"}, testEnv(io.Discard))
	if err != nil || o.out != "a.png" || o.xRange != 6 || o.points != 11 {
		t.Errorf("options %+v (%v), want a.png, range 6, 11 points", o, err)
	}
}

func TestPlot(t *testing.T) {
	out := filepath.Join(t.TempDir(), "act.png")
	code, stdout, stderr := cliRun("plot", "activations", "--out", out, "--points", "101")
	if code != ExitOK || stderr != "" {
		t.Fatalf("exit code %d, stderr %q", code, stderr)
	}
	if !strings.Contains(stdout, out) {
		t.Errorf("stdout %q does not name %s", stdout, out)
	}
	// Two rows of three 470-pixel-high panels, 1500 wide, under a title.
	if w, h := pngSize(t, out); w != 1500 || h < 940 || h > 1040 {
		t.Errorf("%s is %dx%d, want 1500 wide and 940 plus a title high", out, w, h)
	}

	checkFailures(t, []usageCase{
		{"no picture", []string{"plot"}, ExitUsage, []string{"missing picture", "accepted: activations"}, 0},
		{"an unknown picture", []string{"plot", "losses"}, ExitUsage, []string{`"losses"`, "accepted: activations"}, 0},
		{"a range of 0", []string{"plot", "activations", "--range", "0"}, ExitUsage, []string{"--range 0", "> 0"}, 0},
		{"one point", []string{"plot", "activations", "--points", "1"}, ExitUsage, []string{"--points 1", "2 to 100000"}, 0},
		{"an unknown flag", []string{"plot", "activations", "--bogus"}, ExitUsage, []string{"-bogus", "neurona plot activations --help"}, 0},
		{"an argument", []string{"plot", "activations", "x.png"}, ExitUsage, []string{`"x.png"`, "only flags"}, 0},
		{"a folder that does not exist", []string{"plot", "activations", "--out", filepath.Join(t.TempDir(), "no", "a.png")}, ExitFailure, []string{"a.png"}, 0},
	})
}
