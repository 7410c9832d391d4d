package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/neurona/neurona/internal/sweep"
	"github.com/neurona/neurona/train/config"
)

// sweepWith runs `neurona sweep args...` through the command's run
// function with trainFn standing for train, and returns what Main would.
func sweepWith(args []string, trainFn sweep.TrainFunc) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	e := &env{ctx: context.Background(), stdout: &out, stderr: &errOut, getenv: func(string) string { return "" }}
	o, _, err := parseSweepArgs(args)
	if err == nil {
		o.trainFn = trainFn
		// Every trial alone, whichever trials train.GroupKey groups: these
		// tests follow one trial at a time.
		o.groupKey = func(config.Config) (string, string) { return "", "sweepWith trains each trial alone" }
		err = sweepRun(e, o)
	}
	return exitCode(e.ctx, &errOut, "neurona sweep", err), out.String(), errOut.String()
}

// trialDir is the run folder a trial's train flags name.
func trialDir(args []string) string {
	for _, a := range args {
		if v, ok := strings.CutPrefix(a, "--run-dir="); ok {
			return v
		}
		if v, ok := strings.CutPrefix(a, "--resume="); ok {
			return v
		}
	}
	return ""
}

// finishTrial stands for a trial trained to the end: the run folder's
// metrics.jsonl and finished summary.json.
func finishTrial(_ context.Context, args []string) error {
	dir := trialDir(args)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	m, _ := json.Marshal(map[string]any{"epoch": 1, "val_accuracy": 0.5, "train_accuracy": 0.5})
	if err := os.WriteFile(filepath.Join(dir, "metrics.jsonl"), append(m, '\n'), 0o644); err != nil {
		return err
	}
	s, _ := json.Marshal(map[string]any{"best_val_accuracy": 0.5, "test_accuracy": 0.4, "epochs": 1, "stopped_because": "reached --epochs 1"})
	return os.WriteFile(filepath.Join(dir, "summary.json"), s, 0o644)
}

// statuses reads the trials' statuses from dir's sweep.json.
func statuses(t *testing.T, dir string) []string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, sweep.File))
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Trials []struct{ Result struct{ Status string } }
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, tr := range s.Trials {
		out = append(out, tr.Result.Status)
	}
	return out
}

// Two sweeps in one folder at once (two resumes, or a resume while the
// sweep itself runs): exactly one runs, the other is refused with one line
// and exit 1 before it touches anything, and no finished trial is ever
// recorded failed.
func TestSweepTwoAtOnce(t *testing.T) {
	args := []string{"--lr", "0.1,0.2,0.3", "--epochs", "1"}
	tests := []struct {
		name  string
		first func(dir string) []string
	}{
		{"a resume while another resume runs", func(dir string) []string {
			spec, err := sweep.ParseArgs(args, sweepFlags(testEnv(nil)), 0, 1)
			if err != nil {
				t.Fatal(err)
			}
			s, err := sweep.Create(dir, spec, args, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			s.Close()
			return []string{"--resume", dir}
		}},
		{"a resume while the sweep itself runs", func(dir string) []string {
			return append([]string{"--out", dir}, args...)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "sweep")
			first := tt.first(dir)
			inTrial2, release := make(chan struct{}), make(chan struct{})
			type result struct {
				code           int
				stdout, stderr string
			}
			done := make(chan result, 1)
			go func() {
				code, stdout, stderr := sweepWith(first, func(ctx context.Context, args []string) error {
					if filepath.Base(trialDir(args)) == "trial-002" {
						close(inTrial2)
						<-release
					}
					return finishTrial(ctx, args)
				})
				done <- result{code, stdout, stderr}
			}()
			select {
			case <-inTrial2:
			case r := <-done:
				t.Fatalf("the first sweep ended (exit %d) before trial 2:\n%s%s", r.code, r.stdout, r.stderr)
			}
			trained := 0
			code, stdout, stderr := sweepWith([]string{"--resume", dir}, func(ctx context.Context, args []string) error {
				trained++
				return finishTrial(ctx, args)
			})
			if code != ExitFailure || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "is sweeping in "+dir) || trained != 0 {
				t.Errorf("the second sweep: exit %d, trained %d trials, stderr %q, stdout %q; want exit 1, nothing trained and one line saying who sweeps there",
					code, trained, stderr, stdout)
			}
			if got := statuses(t, dir); strings.Join(got, " ") != "finished running pending" {
				t.Errorf("while the first sweep trains trial 2, sweep.json says %q", got)
			}
			close(release)
			r := <-done
			if r.code != ExitOK {
				t.Fatalf("the first sweep: exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			if got := statuses(t, dir); strings.Join(got, " ") != "finished finished finished" {
				t.Errorf("after the first sweep, sweep.json says %q", got)
			}
		})
	}
}

// The exit code says whether a sweep gave anything: 1 when no trial
// finished, 0 when some did (the failures named on stderr, to retry).
func TestSweepExitCodes(t *testing.T) {
	failLR := func(bad string) sweep.TrainFunc {
		return func(ctx context.Context, args []string) error {
			for _, a := range args {
				if a == "--lr="+bad || bad == "any" {
					return errors.New("write checkpoint: no space left on device")
				}
			}
			return finishTrial(ctx, args)
		}
	}
	tests := []struct {
		name      string
		fail      string
		code      int
		stderrHas string
	}{
		{"every trial failed", "any", ExitFailure, "no trial finished: 2 of 2 failed"},
		{"one trial failed", "0.2", ExitOK, "1 of 2 trials failed"},
		{"none failed", "none", ExitOK, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "sweep")
			code, stdout, stderr := sweepWith([]string{"--out", dir, "--lr", "0.1,0.2", "--epochs", "1"}, failLR(tt.fail))
			if code != tt.code || (tt.stderrHas == "") != (stderr == "") || !strings.Contains(stderr, tt.stderrHas) || strings.Count(stderr, "\n") > 1 {
				t.Errorf("exit %d, stderr %q; want exit %d and %q\n%s", code, stderr, tt.code, tt.stderrHas, stdout)
			}
		})
	}
	t.Run("a resume retries the failed trials", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "sweep")
		if code, _, _ := sweepWith([]string{"--out", dir, "--lr", "0.1,0.2", "--epochs", "1"}, failLR("any")); code != ExitFailure {
			t.Fatalf("exit %d, want 1", code)
		}
		code, stdout, stderr := sweepWith([]string{"--resume", dir}, finishTrial)
		if got := statuses(t, dir); code != ExitOK || strings.Join(got, " ") != "finished finished" {
			t.Errorf("resumed: exit %d, statuses %q\n%s%s", code, got, stdout, stderr)
		}
	})
}
