package cli

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/neurona/neurona/internal/human"
	"github.com/neurona/neurona/train/checkpoint"
	"github.com/neurona/neurona/train/runfolder"
)

func TestParseCheckpoints(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want checkpointsOptions
	}{
		{"list", []string{"list", "runs/x"}, checkpointsOptions{sub: "list", path: "runs/x"}},
		{"list --json after the folder", []string{"list", "runs/x", "--json"}, checkpointsOptions{sub: "list", path: "runs/x", json: true}},
		{"inspect a checkpoint", []string{"inspect", "runs/x/checkpoints/ckpt-000000001"}, checkpointsOptions{sub: "inspect", path: "runs/x/checkpoints/ckpt-000000001"}},
		{"verify", []string{"verify", "runs/x"}, checkpointsOptions{sub: "verify", path: "runs/x"}},
		{"prune keeps the 3 newest and the best by default", []string{"prune", "runs/x"}, checkpointsOptions{sub: "prune", path: "runs/x", keepLast: 3, keepBest: true}},
		{"prune with flags", []string{"prune", "--keep-last", "1", "runs/x", "--keep-best=false"}, checkpointsOptions{sub: "prune", path: "runs/x", keepLast: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := parseCheckpoints(tt.args, &env{stdout: io.Discard, stderr: io.Discard})
			if err != nil {
				t.Fatal(err)
			}
			if *o != tt.want {
				t.Errorf("options %+v, want %+v", *o, tt.want)
			}
		})
	}
}

func TestParseCheckpointsErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"no subcommand", nil, []string{"missing subcommand", "accepted: list, inspect, verify, prune"}},
		{"an unknown subcommand", []string{"show", "runs/x"}, []string{`"show"`, "accepted: list, inspect, verify, prune"}},
		{"no folder", []string{"list"}, []string{"missing the run folder"}},
		{"two folders", []string{"verify", "a", "b"}, []string{`"b"`, "one folder"}},
		{"keep-last 0", []string{"prune", "runs/x", "--keep-last", "0"}, []string{"--keep-last 0", ">= 1"}},
		{"a flag of another subcommand", []string{"list", "runs/x", "--keep-last", "2"}, []string{"-keep-last", "neurona checkpoints list --help"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseCheckpoints(tt.args, &env{stdout: io.Discard, stderr: io.Discard})
			var ue usageError
			if !errors.As(err, &ue) {
				t.Fatalf("error %v, want a usage error", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
	t.Run("--help is not an error", func(t *testing.T) {
		for _, args := range [][]string{{"--help"}, {"help"}, {"prune", "--help"}} {
			if _, err := parseCheckpoints(args, &env{stdout: io.Discard, stderr: io.Discard}); !errors.Is(err, flag.ErrHelp) {
				t.Errorf("%v: error %v, want flag.ErrHelp", args, err)
			}
		}
	})
}

// flipByte changes one byte in the middle of a file.
func flipByte(t *testing.T, path string) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	raw[len(raw)/2] ^= 0xff
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
}

// rows returns the lines of out that start with a checkpoint name.
func rows(out string) []string {
	var r []string
	for line := range strings.SplitSeq(out, "\n") {
		if strings.HasPrefix(line, "ckpt-") {
			r = append(r, line)
		}
	}
	return r
}

func TestCheckpointsList(t *testing.T) {
	runDir, _ := trainedRun(t, 3)
	t.Run("one aligned row per checkpoint, the best marked, and the total", func(t *testing.T) {
		code, stdout, stderr := cliRun("checkpoints", "list", runDir)
		if code != ExitOK || stderr != "" {
			t.Fatalf("exit code %d, stderr %q", code, stderr)
		}
		r := rows(stdout)
		if len(r) != 3 {
			t.Fatalf("%d rows, want 3:\n%s", len(r), stdout)
		}
		header := strings.SplitN(stdout, "\n", 2)[0]
		if got := strings.Fields(header); !slices.Equal(got, []string{"CHECKPOINT", "STEP", "EPOCH", "REASON", "VAL_ACCURACY", "SIZE", "STATUS"}) {
			t.Errorf("header %q", header)
		}
		row := regexp.MustCompile(`^ckpt-00000000(\d) +(\d) +(\d) +epoch +[01]\.\d{4}( \*)? +\d+\.\d kB +valid$`)
		col := strings.Index(header, "STATUS")
		for i, line := range r {
			m := row.FindStringSubmatch(line)
			if m == nil {
				t.Errorf("row %q does not match %s", line, row)
				continue
			}
			if step := string(rune('0' + 2*(i+1))); m[1] != step || m[2] != step || m[3] != string(rune('1'+i)) {
				t.Errorf("row %q: want step %s, epoch %d", line, step, i+1)
			}
			if !strings.HasPrefix(line[col:], "valid") {
				t.Errorf("row %q is not aligned under STATUS", line)
			}
		}
		if strings.Count(stdout, " * ") != 1 || !strings.Contains(stdout, "* best val_accuracy") {
			t.Errorf("want exactly one best checkpoint marked:\n%s", stdout)
		}
		if !regexp.MustCompile(`(?m)^3 checkpoints, \d+\.\d kB on disk in ` + regexp.QuoteMeta(runfolder.CheckpointsDir(runDir)) + `$`).MatchString(stdout) {
			t.Errorf("no total line:\n%s", stdout)
		}
	})
	t.Run("a corrupt checkpoint and a leftover temporary folder are reported", func(t *testing.T) {
		dir := copyRun(t, runDir)
		ckpts := runfolder.CheckpointsDir(dir)
		flipByte(t, filepath.Join(ckpts, "ckpt-000000004", checkpoint.BlobFile))
		os.Mkdir(filepath.Join(ckpts, ".tmp-ckpt-000000008-1"), 0o755)
		code, stdout, _ := cliRun("checkpoints", "list", dir)
		if code != ExitOK {
			t.Fatalf("exit code %d", code)
		}
		r := rows(stdout)
		if len(r) != 3 || !strings.HasSuffix(r[1], "CORRUPT: variables.bin: SHA-256 differs from the manifest") {
			t.Errorf("rows:\n%s", strings.Join(r, "\n"))
		}
		if !strings.Contains(stdout, "1 temporary folder (.tmp-*)") {
			t.Errorf("the temporary folder is not mentioned:\n%s", stdout)
		}
	})
	t.Run("--json lists each checkpoint with its metrics and validity", func(t *testing.T) {
		code, stdout, _ := cliRun("checkpoints", "list", "--json", runDir)
		if code != ExitOK {
			t.Fatalf("exit code %d", code)
		}
		var entries []listEntry
		if err := json.Unmarshal([]byte(stdout), &entries); err != nil {
			t.Fatal(err)
		}
		best := 0
		for i, e := range entries {
			if e.Step != 2*(i+1) || e.Epoch != i+1 || !e.Valid || e.Error != "" || e.Size <= 0 || e.Reason != "epoch" {
				t.Errorf("entry %+v", e)
			}
			if _, ok := e.Metrics["val_accuracy"]; !ok {
				t.Errorf("entry %d has no val_accuracy: %v", i, e.Metrics)
			}
			if e.Best {
				best++
			}
		}
		if len(entries) != 3 || best != 1 {
			t.Errorf("%d entries, %d best; want 3 and 1", len(entries), best)
		}
	})
	t.Run("a run without checkpoints says so", func(t *testing.T) {
		dir := t.TempDir()
		os.Mkdir(runfolder.CheckpointsDir(dir), 0o755)
		code, stdout, _ := cliRun("checkpoints", "list", dir)
		if code != ExitOK || !strings.HasPrefix(stdout, "no checkpoints in ") {
			t.Errorf("exit code %d, output %q", code, stdout)
		}
	})
}

func TestCheckpointsVerify(t *testing.T) {
	runDir, _ := trainedRun(t, 3)
	t.Run("all valid exits 0", func(t *testing.T) {
		code, stdout, stderr := cliRun("checkpoints", "verify", runDir)
		if code != ExitOK || stderr != "" || len(strings.Split(strings.TrimSpace(stdout), "\n")) != 4 || !strings.HasSuffix(stdout, "3 checkpoints, all valid\n") {
			t.Errorf("exit code %d, stderr %q, stdout:\n%s", code, stderr, stdout)
		}
	})
	t.Run("one checkpoint folder", func(t *testing.T) {
		code, stdout, _ := cliRun("checkpoints", "verify", filepath.Join(runfolder.CheckpointsDir(runDir), "ckpt-000000002"))
		if code != ExitOK || !strings.HasPrefix(stdout, "ok  ckpt-000000002  step 2, epoch 1") {
			t.Errorf("exit code %d, stdout:\n%s", code, stdout)
		}
	})
	for _, tc := range []struct {
		name, file string
		damage     func(t *testing.T, path string)
		want       string
	}{
		{"a flipped byte", checkpoint.BlobFile, flipByte, "SHA-256 differs"},
		{"a truncated file", checkpoint.BlobFile, func(t *testing.T, p string) { os.Truncate(p, 3) }, "has 3 bytes"},
		{"a missing file", checkpoint.MetaFile, func(t *testing.T, p string) { os.Remove(p) }, "meta.json: file missing"},
		{"a manifest of garbage", checkpoint.ManifestFile, func(t *testing.T, p string) { os.WriteFile(p, []byte("{{"), 0o644) }, "manifest does not parse"},
	} {
		t.Run(tc.name+" exits 1", func(t *testing.T) {
			dir := copyRun(t, runDir)
			tc.damage(t, filepath.Join(runfolder.CheckpointsDir(dir), "ckpt-000000004", tc.file))
			code, stdout, stderr := cliRun("checkpoints", "verify", dir)
			if code != ExitFailure {
				t.Errorf("exit code %d, want 1", code)
			}
			if stderr != "neurona checkpoints verify: 1 of 3 checkpoints corrupt in "+runfolder.CheckpointsDir(dir)+"\n" {
				t.Errorf("stderr %q", stderr)
			}
			if r := rows(stdout); len(r) != 0 || !strings.Contains(stdout, "CORRUPT  ckpt-000000004  ") || !strings.Contains(stdout, tc.want) || strings.Count(stdout, "\nok ") != 1 {
				t.Errorf("stdout:\n%s", stdout)
			}
		})
	}
	checkFailures(t, []usageCase{
		{"a missing folder", []string{"checkpoints", "verify", filepath.Join(runDir, "nope")}, ExitUsage, []string{"does not exist"}, 0},
		{"a run without checkpoints", []string{"checkpoints", "verify", func() string {
			d := t.TempDir()
			os.Mkdir(runfolder.CheckpointsDir(d), 0o755)
			return d
		}()}, ExitFailure, []string{"no checkpoints in"}, 0},
	})
}

func TestCheckpointsInspect(t *testing.T) {
	runDir, _ := trainedRun(t, 2)
	newest := filepath.Join(runfolder.CheckpointsDir(runDir), "ckpt-000000004")
	// The checkpoint of the epoch the run tested (its best, with the
	// perceptron's --restore-best), as eval and predict use it; an epoch is
	// 2 steps on the fake data.
	epoch := testedEpoch(t, runDir)
	tested := filepath.Join(runfolder.CheckpointsDir(runDir), fmt.Sprintf("ckpt-%09d", 2*epoch))
	t.Run("a run folder shows the checkpoint the run tested, as eval", func(t *testing.T) {
		code, stdout, stderr := cliRun("checkpoints", "inspect", runDir)
		if code != ExitOK || stderr != "" {
			t.Fatalf("exit code %d, stderr %q", code, stderr)
		}
		_, evalOut, _ := cliRun("eval", runDir, "--backend", "go")
		if !strings.Contains(evalOut, "checkpoint  "+tested+" ") {
			t.Errorf("eval does not use %s:\n%s", tested, evalOut)
		}
		for _, want := range []string{
			"checkpoint " + tested,
			"format version 1",
			fmt.Sprintf("step %d", 2*epoch),
			fmt.Sprintf("epoch %d (completed)", epoch),
			"reason epoch",
			"val_accuracy",
			"NAME BYTES SHA-256",
			"meta.json",
			"variables.bin 62836 ",
			"status valid",
			"configuration (meta.json)",
			"model perceptron 784-10",
			"optimizer sgd",
			"epochs 2",
			"trained " + human.Count(2*epoch, "step") + ", " + human.Count(epoch, "epoch"),
			"backend go",
			"dataset SHA-256 ",
			"PATH DTYPE SHAPE TRAINABLE BYTES",
			"/perceptron/dense/weights Float32 [10 784] yes 31360",
			"/perceptron/dense/biases Float32 [10] yes 40",
			"/averaged/perceptron/dense/weights Float32 [10 784] no 31360",
			"7850 trainable parameters",
		} {
			if !strings.Contains(strings.Join(strings.Fields(stdout), " "), want) {
				t.Errorf("output does not say %q:\n%s", want, stdout)
			}
		}
		if !regexp.MustCompile(`variables\.bin +62836 +[0-9a-f]{64}\n`).MatchString(stdout) {
			t.Errorf("no full SHA-256 for variables.bin:\n%s", stdout)
		}
	})
	t.Run("--json", func(t *testing.T) {
		code, stdout, _ := cliRun("checkpoints", "inspect", newest, "--json")
		if code != ExitOK {
			t.Fatalf("exit code %d", code)
		}
		var r inspectReport
		if err := json.Unmarshal([]byte(stdout), &r); err != nil {
			t.Fatal(err)
		}
		if r.Dir != newest || r.Manifest.Step != 4 || r.Step != 4 || r.Epoch != 2 || r.Config.Model.Name != "perceptron" || !strings.HasPrefix(r.Backend, "go") ||
			len(r.Variables) == 0 || len(r.Dataset) != 64 || len(r.Build) == 0 {
			t.Errorf("report %+v", r)
		}
	})
	t.Run("a corrupt checkpoint shows its manifest and exits 1", func(t *testing.T) {
		dir := copyRun(t, runDir)
		bad := filepath.Join(runfolder.CheckpointsDir(dir), "ckpt-000000004")
		flipByte(t, filepath.Join(bad, checkpoint.BlobFile))
		code, stdout, stderr := cliRun("checkpoints", "inspect", bad)
		if code != ExitFailure || !strings.Contains(stdout, "step       4") || !strings.Contains(stderr, "SHA-256 differs") || strings.Count(stderr, "\n") != 1 {
			t.Errorf("exit code %d, stderr %q, stdout:\n%s", code, stderr, stdout)
		}
	})
	t.Run("a run folder whose tested checkpoint is corrupt shows the newest valid one, saying so", func(t *testing.T) {
		dir := copyRun(t, runDir)
		want, says := "step       4", "which the run tested, is gone or corrupt"
		if epoch == 2 { // the tested checkpoint is the newest: the one before it
			want, says = "step       2", "skipped corrupt checkpoint"
		}
		flipByte(t, filepath.Join(runfolder.CheckpointsDir(dir), fmt.Sprintf("ckpt-%09d", 2*epoch), checkpoint.BlobFile))
		code, stdout, stderr := cliRun("checkpoints", "inspect", dir)
		if code != ExitOK || !strings.Contains(stdout, want) || !strings.Contains(stderr, says) {
			t.Errorf("run folder: exit code %d, stderr %q, stdout:\n%s", code, stderr, stdout)
		}
	})
}

func TestCheckpointsPrune(t *testing.T) {
	runDir, _ := trainedRun(t, 5)
	ckptNames := func(dir string) []string {
		infos, err := checkpoint.List(runfolder.CheckpointsDir(dir), false)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, info := range infos {
			out = append(out, filepath.Base(info.Dir))
		}
		return out
	}
	// Training kept the 3 newest and the best by val_accuracy.
	infos, err := checkpoint.List(runfolder.CheckpointsDir(runDir), false)
	if err != nil {
		t.Fatal(err)
	}
	best, bestAcc := "", -1.0
	for _, info := range infos {
		if v := info.Manifest.Metrics["val_accuracy"]; v > bestAcc {
			best, bestAcc = filepath.Base(info.Dir), v
		}
	}

	t.Run("--keep-last 1 keeps the newest and the best", func(t *testing.T) {
		dir := copyRun(t, runDir)
		tmp := filepath.Join(runfolder.CheckpointsDir(dir), ".tmp-ckpt-000000012-7")
		os.Mkdir(tmp, 0o755)
		before := ckptNames(dir)
		code, stdout, stderr := cliRun("checkpoints", "prune", dir, "--keep-last", "1")
		if code != ExitOK || stderr != "" {
			t.Fatalf("exit code %d, stderr %q", code, stderr)
		}
		want := []string{best}
		if best != "ckpt-000000010" {
			want = append(want, "ckpt-000000010")
		}
		got := ckptNames(dir)
		if !slices.Equal(got, want) {
			t.Errorf("kept %v, want %v", got, want)
		}
		for _, name := range before {
			if deleted := strings.Contains(stdout, "deleted "+name+" (step "); deleted == slices.Contains(got, name) {
				t.Errorf("output and folder disagree about %s:\n%s", name, stdout)
			}
		}
		if !regexp.MustCompile(`(?m)^\d checkpoints? left, \d+\.\d kB on disk in .* \(freed \d+\.\d kB\)$`).MatchString(stdout) {
			t.Errorf("no summary line:\n%s", stdout)
		}
		if _, err := os.Stat(tmp); err != nil {
			t.Errorf("prune removed the temporary folder of a save that may be in progress: %v", err)
		}
		code, stdout, _ = cliRun("checkpoints", "prune", dir, "--keep-last", "1")
		if code != ExitOK || !strings.HasPrefix(stdout, "nothing to delete (keeping the newest and the best by val_accuracy)") {
			t.Errorf("second prune: exit code %d, output:\n%s", code, stdout)
		}
	})
	t.Run("--keep-best=false keeps only the newest", func(t *testing.T) {
		dir := copyRun(t, runDir)
		code, stdout, _ := cliRun("checkpoints", "prune", dir, "--keep-last", "1", "--keep-best=false")
		if got := ckptNames(dir); code != ExitOK || !slices.Equal(got, []string{"ckpt-000000010"}) {
			t.Errorf("exit code %d, kept %v; output:\n%s", code, got, stdout)
		}
		if !strings.Contains(stdout, "1 checkpoint left") {
			t.Errorf("output:\n%s", stdout)
		}
	})
	t.Run("a corrupt newest checkpoint is neither counted as kept nor deleted", func(t *testing.T) {
		dir := copyRun(t, runDir)
		bad := filepath.Join(runfolder.CheckpointsDir(dir), "ckpt-000000010")
		flipByte(t, filepath.Join(bad, checkpoint.BlobFile))
		code, stdout, stderr := cliRun("checkpoints", "prune", dir, "--keep-last", "1", "--keep-best=false")
		if code != ExitOK || !strings.Contains(stdout, "left ckpt-000000010 alone: it is corrupt") {
			t.Errorf("exit code %d, stdout %q, stderr %q", code, stdout, stderr)
		}
		if got, want := ckptNames(dir), []string{"ckpt-000000008", "ckpt-000000010"}; !slices.Equal(got, want) {
			t.Errorf("checkpoints left: %v, want the newest valid one and the corrupt one %v", got, want)
		}
	})
	t.Run("a run being trained is not pruned", func(t *testing.T) {
		dir := copyRun(t, runDir)
		unlock, err := runfolder.LockRun(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer unlock()
		before := ckptNames(dir)
		code, _, stderr := cliRun("checkpoints", "prune", dir, "--keep-last", "1")
		if code != ExitFailure || !strings.Contains(stderr, fmt.Sprintf("another neurona process (pid %d) is using %s", os.Getpid(), dir)) {
			t.Errorf("exit code %d, stderr %q", code, stderr)
		}
		if got := ckptNames(dir); !slices.Equal(got, before) {
			t.Errorf("prune deleted checkpoints: %v, had %v", got, before)
		}
	})
	checkFailures(t, []usageCase{
		{"a checkpoint instead of a run", []string{"checkpoints", "prune", filepath.Join(runfolder.CheckpointsDir(runDir), "ckpt-000000010")}, ExitUsage, []string{"is a checkpoint, not a run folder"}, 0},
	})
}
