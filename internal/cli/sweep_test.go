package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A tiny grid sweep: 4 trials of a small MLP, 1 epoch each, and every
// artefact it promises.
func TestSweepGrid(t *testing.T) {
	dataDir := shapesData(t)
	out := filepath.Join(t.TempDir(), "sweep1")
	code, stdout, stderr := cliRun("sweep", "--out", out, "--lr", "0.01,0.03", "--hidden", "8,16x2", "--epochs", "1",
		"--batch-size", "32", "--data-dir", dataDir, "--backend", "go")
	if code != ExitOK {
		t.Fatalf("sweep: exit %d\n%s%s", code, stdout, stderr)
	}
	for _, want := range []string{"4 trials, swept lr, hidden", "trial 1/4  lr=0.01 hidden=8  val ", "trial 4/4  lr=0.03 hidden=16,16  val ",
		"rank  trial", "ranked by best validation accuracy", "wrote    sweep.md, sweep.png, report.html"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("sweep output lacks %q:\n%s", want, stdout)
		}
	}
	for _, f := range []string{"sweep.json", "sweep.md", "sweep.png", "report.html", "logs/trial-001.log"} {
		if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	// The report embeds the best trial's pictures beside the sweep's.
	page, err := os.ReadFile(filepath.Join(out, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(page), `src="data:image/png;base64,`); n != 4 || !strings.Contains(string(page), `<h2 id="best">Best trial: trial-`) ||
		!strings.Contains(string(page), "(confusion.png)") {
		t.Errorf("report.html embeds %d pictures, want sweep.png and the best trial's curves, confusion matrix and mistakes", n)
	}
	var s struct {
		Trials []struct {
			Name   string
			Args   []string
			Result struct {
				Status       string
				ValAccuracy  *float64 `json:"val_accuracy"`
				TestAccuracy *float64 `json:"test_accuracy"`
			}
		}
	}
	raw, _ := os.ReadFile(filepath.Join(out, "sweep.json"))
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatal(err)
	}
	if len(s.Trials) != 4 {
		t.Fatalf("%d trials in sweep.json", len(s.Trials))
	}
	for _, tr := range s.Trials {
		if tr.Result.Status != "finished" || tr.Result.ValAccuracy == nil || tr.Result.TestAccuracy == nil {
			t.Errorf("%s: %+v", tr.Name, tr.Result)
		}
		// Each trial is an ordinary run folder: eval works on it.
		code, stdout, stderr := cliRun("eval", filepath.Join(out, tr.Name), "--json", "--backend", "go")
		if code != ExitOK || !strings.Contains(stdout, `"accuracy"`) {
			t.Errorf("eval %s: exit %d\n%s", tr.Name, code, stderr)
		}
	}
	if s.Trials[3].Args[1] != "--hidden=16,16" {
		t.Errorf("trial 4 args %q", s.Trials[3].Args)
	}
	md, _ := os.ReadFile(filepath.Join(out, "sweep.md"))
	// The two widths make two groups of two learning rates (the default --group 0).
	if !strings.Contains(string(md), "| rank | trial | group | lr | hidden | val acc | test acc |") ||
		!strings.Contains(string(md), "4 trials: 2 groups (2, 2)") {
		t.Errorf("sweep.md:\n%s", md)
	}
	// runs list finds the four trials; compare marks what differs.
	code, stdout, _ = cliRun("runs", "list", out, "--sort", "val")
	if code != ExitOK || strings.Count(stdout, "trial-00") != 4 || !strings.Contains(stdout, "finished") {
		t.Errorf("runs list: exit %d\n%s", code, stdout)
	}
	code, stdout, _ = cliRun("runs", "list", out, "--json")
	var listed []struct{ Name, Status string }
	if err := json.Unmarshal([]byte(stdout), &listed); code != ExitOK || err != nil || len(listed) != 4 || listed[0].Status != "finished" {
		t.Errorf("runs list --json: exit %d, %v: %s", code, err, stdout)
	}
	code, _, stderr = cliRun("runs", "list", out, "--sort", "size")
	if code != ExitUsage || !strings.Contains(stderr, "accepted: name, started, val, test, time") {
		t.Errorf("runs list --sort size: exit %d, %q", code, stderr)
	}
	png := filepath.Join(t.TempDir(), "compare.png")
	code, stdout, stderr = cliRun("runs", "compare", filepath.Join(out, "trial-001"), filepath.Join(out, "trial-004"), "--out", png)
	if code != ExitOK || !strings.Contains(strings.Join(strings.Fields(stdout), " "), "* lr 0.01 0.03") || !strings.Contains(stdout, "wrote "+png) {
		t.Errorf("runs compare: exit %d\n%s%s", code, stdout, stderr)
	}
	// A finished sweep resumed trains nothing again.
	code, stdout, _ = cliRun("sweep", "--resume", out)
	if code != ExitOK || strings.Contains(stdout, "trial 1/4") {
		t.Errorf("sweep --resume of a finished sweep: exit %d\n%s", code, stdout)
	}
}

func TestSweepBadSpecs(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(t.TempDir(), "none")
	tests := []struct {
		name   string
		args   []string
		errHas string
	}{
		{"an empty list item", []string{"--lr", "1e-3,,2e-3"}, "empty choice"},
		{"an unknown flag", []string{"--learning-rate", "1e-3,2e-3"}, "unknown flag --learning-rate"},
		{"a range with min > max", []string{"--random", "3", "--lr", "1e-2:1e-4:log"}, "min > max"},
		{"a flag that cannot be swept", []string{"--resume", "x", "--lr", "1,2"}, "--resume"},
		{"run-dir", []string{"--run-dir", "x", "--lr", "1,2"}, "--run-dir cannot be given"},
		{"a bad value train refuses", []string{"--lr", "1e-3,-1"}, "--lr"},
		{"no --out", nil, "missing --out"},
		{"--random 0", []string{"--random", "0", "--lr", "1,2"}, "--random"},
		{"a range train refuses, named as a range", []string{"--random", "3", "--seed", "0:1e19"}, "--seed 0:1e+19: train refuses its bound 1e+19: --seed \"1e+19\": want a whole number"},
		{"a range whose bound train refuses", []string{"--random", "3", "--epochs", "1:3.5"}, "--epochs 1:3.5: train refuses its bound 3.5"},
		{"an integer range beyond int64", []string{"--random", "3", "--seed", "0:9223372036854775807"}, "accepts bounds from -9007199254740992 to 9007199254740992"},
		{"a billion hidden layers", []string{"--random", "3", "--hidden-width", "8:16", "--hidden-layers", "1:1000000000"}, "from 1 to 64"},
		{"a hundred million hidden layers", []string{"--random", "3", "--hidden-width", "8", "--hidden-layers", "100000000"}, "from 1 to 64"},
		{"more random trials than configurations", []string{"--random", "30", "--lr", "1,2", "--batch-size", "32,64"}, "only 4 distinct configurations"},
		{"a value of 100 kB train refuses", []string{"--lr", strings.Repeat("9", 100_000) + ",1"}, `--lr "9999`},
		{"a flag name of 100 kB", []string{"--" + strings.Repeat("x", 100_000), "1,2"}, "unknown flag --xxx"},
		{"a --random of 100 kB", []string{"--random", strings.Repeat("1", 100_000), "--lr", "1,2"}, "--random \"111"},
		{"a --data-dir that does not exist", []string{"--lr", "1e-3,2e-3", "--data-dir", missing}, "--data-dir " + missing + " does not exist"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"sweep"}, tt.args...)
			if tt.name != "no --out" && tt.name != "a flag that cannot be swept" {
				args = append(args, "--out", filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "-")))
			}
			code, stdout, stderr := cliRun(args...)
			if code != ExitUsage || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, tt.errHas) || len(stderr) > 400 {
				if len(stderr) > 400 {
					stderr = stderr[:400] + "..."
				}
				t.Errorf("exit %d, stderr %q (stdout %q); want exit 2 and one line under 400 bytes saying %q", code, stderr, stdout, tt.errHas)
			}
		})
	}
	// A data folder without MNIST's files is a failure, as for train
	// (exit 1), found before the sweep's folder is written.
	code, stdout, stderr := cliRun("sweep", "--lr", "1e-3,2e-3", "--data-dir", t.TempDir(), "--download=false", "--out", filepath.Join(dir, "empty-data"))
	if code != ExitFailure || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "lacks train-images-idx3-ubyte.gz") {
		t.Errorf("a data folder without the files: exit %d, stderr %q (stdout %q); want exit 1 and one line naming the missing files", code, stderr, stdout)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 0 {
		t.Errorf("bad specifications wrote %d folders", len(entries))
	}
}
