package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/neurona/neurona/internal/viz"
	"github.com/neurona/neurona/train/runfolder"
)

// TestEvalPrintsItsResultsWhateverThePictures damages what eval's
// pictures need: the results must still be printed, exit 0, and each
// problem give a warning on stderr after them.
func TestEvalPrintsItsResultsWhateverThePictures(t *testing.T) {
	runDir, dataDir := trainedRun(t, 2)
	for _, tc := range []struct {
		name     string
		damage   func(t *testing.T, dir string)
		warnings []string // on stderr
		lines    int      // of stderr
		curves   bool     // curves.png drawn and named on stdout
	}{
		{"a truncated last line and a garbage line in metrics.jsonl", func(t *testing.T, dir string) {
			path := filepath.Join(dir, "metrics.jsonl")
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			// The file as a run older than step lines wrote it (epoch lines
			// only), which readers must still take, then damaged.
			var epochs []string
			for _, line := range strings.SplitAfter(string(raw), "\n") {
				if !strings.Contains(line, `"kind":"step"`) {
					epochs = append(epochs, line)
				}
			}
			damaged := "garbage\n" + strings.Join(epochs, "") + `{"epoch":3,"global_st`
			if err := os.WriteFile(path, []byte(damaged), 0o644); err != nil {
				t.Fatal(err)
			}
		}, []string{"metrics.jsonl:1: damaged line skipped", "metrics.jsonl:4: damaged line skipped"}, 2, true},
		{"a picture that cannot be written", func(t *testing.T, dir string) {
			path := filepath.Join(dir, viz.ConfusionFile)
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
			if err := os.MkdirAll(filepath.Join(path, "in-the-way"), 0o755); err != nil {
				t.Fatal(err)
			}
		}, []string{"warning: the run's pictures:", viz.ConfusionFile}, 1, false},
		{"a read-only run folder", func(t *testing.T, dir string) {
			if os.Geteuid() == 0 {
				t.Skip("root writes into read-only folders")
			}
			if err := os.Chmod(dir, 0o555); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = os.Chmod(dir, 0o755) })
		}, []string{"warning: the run's pictures:"}, 1, false},
		{"a run folder in use by another neurona process", func(t *testing.T, dir string) {
			unlock, err := runfolder.LockRun(dir)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(unlock)
			if err := os.Remove(filepath.Join(dir, viz.CurvesFile)); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				if _, err := os.Stat(filepath.Join(dir, viz.CurvesFile)); err == nil {
					t.Error("curves.png was written into the run in use")
				}
			})
		}, []string{"another neurona process (pid ", "the pictures were not written"}, 1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := copyRun(t, runDir)
			tc.damage(t, dir)
			code, stdout, stderr := cliRun("eval", dir, "--data-dir", dataDir, "--backend", "go")
			if code != ExitOK {
				t.Fatalf("exit code %d, stderr %q", code, stderr)
			}
			if !strings.Contains(stdout, "test        loss ") || !strings.Contains(stdout, "confusion matrix") {
				t.Errorf("no results:\n%s", stdout)
			}
			if n := strings.Count(stderr, "\n"); n != tc.lines {
				t.Errorf("%d lines on stderr, want %d:\n%s", n, tc.lines, stderr)
			}
			if i, j := strings.Index(stdout, "test        loss"), strings.Index(stdout, "pictures    "); j >= 0 && j < i {
				t.Errorf("pictures before the results:\n%s", stdout)
			}
			for _, w := range tc.warnings {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr does not say %q:\n%s", w, stderr)
				}
			}
			_, err := os.Stat(filepath.Join(dir, viz.CurvesFile))
			if named := strings.Contains(stdout, viz.CurvesFile+" in "+dir); named != tc.curves || tc.curves && err != nil {
				t.Errorf("curves.png named %v, want %v (on disk: %v):\n%s", named, tc.curves, err, stdout)
			}
		})
	}
}

// TestReportAndExplainRefuseARunInUse: a command writing into a run
// folder that another process holds refuses with one line, and writes
// nothing there; written elsewhere it goes ahead.
func TestReportAndExplainRefuseARunInUse(t *testing.T) {
	runDir, dataDir := trainedRun(t, 2)
	unlock, err := runfolder.LockRun(runDir)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	checkFailures(t, []usageCase{
		{"report into the run", []string{"report", runDir, "--data-dir", dataDir, "--backend", "go"}, ExitFailure,
			[]string{"another neurona process (pid", "is using " + runDir, "--out FILE"}, 0},
		{"explain into the run", []string{"explain", runDir}, ExitFailure,
			[]string{"another neurona process (pid", "is using " + runDir, "explain.png was not written"}, 0},
	})
	for _, name := range []string{"report.html", "explain.png"} {
		if _, err := os.Stat(filepath.Join(runDir, name)); err == nil {
			t.Errorf("%s was written into the run in use", name)
		}
	}
	out := filepath.Join(t.TempDir(), "r.html")
	if code, _, stderr := cliRun("report", runDir, "--out", out, "--data-dir", dataDir, "--backend", "go"); code != ExitOK {
		t.Errorf("report --out elsewhere: exit code %d, %s", code, stderr)
	}
}

// TestResumeARunWithoutCheckpoint: --resume on a run folder whose run
// stopped before its first save says what to do, in one line.
func TestResumeARunWithoutCheckpoint(t *testing.T) {
	runDir, dataDir := trainedRun(t, 1)
	if err := os.RemoveAll(runfolder.CheckpointsDir(runDir)); err != nil {
		t.Fatal(err)
	}
	checkFailures(t, []usageCase{
		{"--resume", []string{"train", "--resume", runDir, "--data-dir", dataDir, "--backend", "go"}, ExitFailure,
			[]string{"nothing to resume", "neurona train --run-dir " + runDir}, 0},
	})
}
