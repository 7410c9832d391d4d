package sweep

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/neurona/neurona/train/runfolder"
)

// fakeTrain stands for `neurona train`: it records its calls and writes a
// finished summary.json whose validation accuracy is the trial's --lr.
type fakeTrain struct {
	calls [][]string
	fail  string // --lr value of the trial that fails
}

func (f *fakeTrain) train(_ context.Context, args []string) error {
	f.calls = append(f.calls, args)
	var dir, lr string
	for _, a := range args {
		if v, ok := strings.CutPrefix(a, "--run-dir="); ok {
			dir = v
		}
		if v, ok := strings.CutPrefix(a, "--resume="); ok {
			dir = v
		}
		if v, ok := strings.CutPrefix(a, "--lr="); ok {
			lr = v
		}
	}
	if lr == f.fail && lr != "" {
		return errors.New("training diverged at step 3")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	val, test := 0.5, 0.4
	if lr == "0.9" {
		val, test = 0.9, 0.1 // the best by validation, the worst by test
	}
	m, _ := json.Marshal(map[string]any{"epoch": 1, "val_accuracy": val, "train_accuracy": val})
	if err := os.WriteFile(filepath.Join(dir, "metrics.jsonl"), append(m, '\n'), 0o644); err != nil {
		return err
	}
	b, _ := json.Marshal(map[string]any{"best_val_accuracy": val, "test_accuracy": test, "epochs": 1, "stopped_because": "reached --epochs 1"})
	return os.WriteFile(filepath.Join(dir, "summary.json"), b, 0o644)
}

func newSweep(t *testing.T, args ...string) *Sweep {
	t.Helper()
	spec, err := ParseArgs(args, trainFlags, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Create(filepath.Join(t.TempDir(), "sweep"), spec, args, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// reopen closes s and opens its folder again, as `neurona sweep --resume`.
func reopen(t *testing.T, s *Sweep) *Sweep {
	t.Helper()
	s.Close()
	again, err := Open(s.Dir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(again.Close)
	return again
}

func TestRunRecordsAndRanks(t *testing.T) {
	s := newSweep(t, "--lr", "0.1,0.9,0.5", "--epochs", "1")
	f := &fakeTrain{fail: "0.5"}
	var out bytes.Buffer
	if err := s.Run(context.Background(), f.train, &out); err != nil {
		t.Fatal(err)
	}
	if len(f.calls) != 3 || f.calls[0][len(f.calls[0])-1] != "--run-dir="+s.TrialDir(s.Trials[0].Trial) {
		t.Fatalf("calls %q", f.calls)
	}
	if !strings.Contains(out.String(), "trial 2/3  lr=0.9  val 0.9000  test 0.1000") || !strings.Contains(out.String(), "failed: training diverged") {
		t.Errorf("progress:\n%s", out.String())
	}
	again := reopen(t, s)
	ranked := again.Ranked()
	if ranked[0].Settings["lr"] != "0.9" || ranked[2].Result.Status != Failed {
		t.Errorf("ranked %+v: want lr 0.9 first (best validation, although worst test) and the failed trial last", ranked)
	}
	md := again.Markdown()
	if !strings.Contains(md, "| 1 | trial-002 | 0.9 | 0.9000 | 0.1000 |") {
		t.Errorf("sweep.md:\n%s", md)
	}
	written, warnings, err := again.WriteResults()
	if err != nil || strings.Join(written, " ") != "sweep.md sweep.png report.html" || len(warnings) != 0 {
		t.Fatalf("WriteResults = %v, %v, %v", written, warnings, err)
	}
	page, err := os.ReadFile(filepath.Join(again.Dir(), ReportFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`<tr class="best"><td>1</td><td>trial-002</td><td>0.9</td>`, "data:image/png;base64,", "Best by validation accuracy: trial-002 (lr=0.9)"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
	// No finished trial is trained twice; the failed one is tried again.
	f.calls = nil
	if err := again.Run(context.Background(), f.train, &out); err != nil || len(f.calls) != 1 || !slices.Contains(f.calls[0], "--lr=0.5") {
		t.Errorf("resumed, the sweep ran %q (%v); want the failed trial (lr 0.5) alone", f.calls, err)
	}
}

func TestRunResumes(t *testing.T) {
	s := newSweep(t, "--lr", "0.1,0.9,0.5", "--epochs", "1")
	// A kill left: trial 1 finished but not recorded, trial 2 running with
	// a checkpoint, trial 3 pending.
	if err := (&fakeTrain{}).train(context.Background(), []string{"--run-dir=" + s.TrialDir(s.Trials[0].Trial), "--lr=0.1"}); err != nil {
		t.Fatal(err)
	}
	s.Trials[0].Result.Status, s.Trials[1].Result.Status = Running, Running
	if err := os.MkdirAll(filepath.Join(s.TrialDir(s.Trials[1].Trial), "checkpoints", "ckpt-000000007"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := s.Save(); err != nil {
		t.Fatal(err)
	}
	again := reopen(t, s)
	f := &fakeTrain{}
	var out bytes.Buffer
	if err := again.Run(context.Background(), f.train, &out); err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"--resume=" + again.TrialDir(again.Trials[1].Trial)}, append(append([]string{}, again.Trials[2].Args...), "--run-dir="+again.TrialDir(again.Trials[2].Trial))}
	if len(f.calls) != 2 || strings.Join(f.calls[0], " ") != strings.Join(want[0], " ") || strings.Join(f.calls[1], " ") != strings.Join(want[1], " ") {
		t.Errorf("calls %q, want %q", f.calls, want)
	}
	for _, e := range again.Trials {
		if e.Result.Status != Finished {
			t.Errorf("%s: %s", e.Name, e.Result.Status)
		}
	}
}

func TestRunInterrupted(t *testing.T) {
	s := newSweep(t, "--lr", "0.1,0.9", "--epochs", "1")
	ctx, cancel := context.WithCancel(context.Background())
	err := s.Run(ctx, func(ctx context.Context, args []string) error { cancel(); return ctx.Err() }, &bytes.Buffer{})
	if !errors.Is(err, context.Canceled) || s.Trials[0].Result.Status != Interrupted || s.Trials[1].Result.Status != Pending {
		t.Errorf("Run = %v, statuses %s, %s", err, s.Trials[0].Result.Status, s.Trials[1].Result.Status)
	}
}

func TestCreateAndOpenRefuse(t *testing.T) {
	s := newSweep(t, "--lr", "0.1,0.9")
	spec, _ := ParseArgs([]string{"--lr", "0.1,0.9"}, trainFlags, 0, 1)
	if _, err := Create(s.Dir(), spec, nil, time.Now()); err == nil || !strings.Contains(err.Error(), "--resume") {
		t.Errorf("Create over a sweep: %v", err)
	}
	other := t.TempDir()
	os.WriteFile(filepath.Join(other, "notes.txt"), []byte("mine"), 0o644)
	if _, err := Create(other, spec, nil, time.Now()); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("Create in a used folder: %v", err)
	}
	tampered := map[string]func(*Sweep){
		"a trial name out of the folder": func(s *Sweep) { s.Trials[0].Name = "../../etc" },
		"other args than planned":        func(s *Sweep) { s.Trials[1].Args = []string{"--lr=7", "--run-dir=/"} },
		"a trial dropped":                func(s *Sweep) { s.Trials = s.Trials[:1] },
		"an unknown status":              func(s *Sweep) { s.Trials[0].Result.Status = "done" },
	}
	for name, tamper := range tampered {
		t.Run(name, func(t *testing.T) {
			c := newSweep(t, "--lr", "0.1,0.9")
			tamper(c)
			if err := c.Save(); err != nil {
				t.Fatal(err)
			}
			c.Close()
			if s, err := Open(c.Dir()); err == nil || errors.Is(err, runfolder.ErrRunInUse) {
				t.Errorf("Open of a tampered sweep.json: %v, want it refused", err)
				if err == nil {
					s.Close()
				}
			}
		})
	}
}
