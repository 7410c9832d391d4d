package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/neurona/neurona/data"
	"github.com/neurona/neurona/internal/sweep"
	"github.com/neurona/neurona/train"
	"github.com/neurona/neurona/train/config"
	"github.com/neurona/neurona/train/runfolder"
)

// A sweep of 4 trials trained 2 at a time gives every trial the weights
// and test accuracy it gets trained one at a time, bit for bit: each
// trial's shards are chosen once for the sweep (recorded in sweep.json and
// its config.yaml), whatever --jobs is.
func TestSweepJobsResultsAsSequential(t *testing.T) {
	if testing.Short() {
		t.Skip("trains 8 small runs")
	}
	if runtime.GOMAXPROCS(0) < 2 {
		t.Skip("--jobs 2 needs 2 cores; this machine runs Go on 1")
	}
	dataDir := fakeMNISTOfSize(t, 800, 200)
	// Widths whose steps are split (each shard of 64 rows over config.MinShardWork), each trial
	// alone (--group 1): the shards are what could make --jobs change the results.
	args := []string{"sweep", "--lr", "0.01,0.03", "--hidden", "256,320", "--batch-size", "128", "--epochs", "2",
		"--data-dir", dataDir, "--backend", "go", "--group", "1"}
	dirs := map[string]string{}
	for _, jobs := range []string{"1", "2"} {
		dirs[jobs] = filepath.Join(t.TempDir(), "jobs"+jobs)
		code, stdout, stderr := cliRun(append(args, "--out", dirs[jobs], "--jobs", jobs)...)
		if code != ExitOK {
			t.Fatalf("--jobs %s: exit %d\n%s%s", jobs, code, stdout, stderr)
		}
	}
	one, two := readSweepJSON(t, dirs["1"]), readSweepJSON(t, dirs["2"])
	if one.Jobs != 1 || two.Jobs != 2 {
		t.Errorf("sweep.json records jobs %d and %d, want 1 and 2", one.Jobs, two.Jobs)
	}
	for i, tr := range one.Trials {
		if tr.Shards < 2 || tr.Shards != two.Trials[i].Shards {
			t.Errorf("%s: shards %d with --jobs 1, %d with --jobs 2; want the same (at least 2), chosen by the sweep", tr.Name, tr.Shards, two.Trials[i].Shards)
		}
		a, b := filepath.Join(dirs["1"], tr.Name), filepath.Join(dirs["2"], tr.Name)
		yaml, _ := os.ReadFile(filepath.Join(b, configFileName))
		if !bytes.Contains(yaml, []byte("shards: "+strconv.Itoa(tr.Shards)+"\n")) {
			t.Errorf("%s: config.yaml does not record shards %d", tr.Name, tr.Shards)
		}
		if ta, tb := testAccuracyText(t, a), testAccuracyText(t, b); ta != tb {
			t.Errorf("%s: test accuracy %s with --jobs 1, %s with --jobs 2", tr.Name, ta, tb)
		}
		ckpts, _ := filepath.Glob(filepath.Join(a, "checkpoints", "ckpt-*", "variables.bin"))
		if len(ckpts) == 0 {
			t.Errorf("%s: no checkpoint to compare", tr.Name)
		}
		for _, va := range ckpts {
			rel, _ := filepath.Rel(a, va)
			wa, errA := os.ReadFile(va)
			wb, errB := os.ReadFile(filepath.Join(b, rel))
			if errA != nil || errB != nil || !bytes.Equal(wa, wb) {
				t.Errorf("%s: %s differs between --jobs 1 and --jobs 2 (%v, %v)", tr.Name, rel, errA, errB)
			}
		}
	}
}

// testAccuracyText is summary.json's test accuracy as written: compared as
// text, it is compared bit for bit.
func testAccuracyText(t *testing.T, run string) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(run, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		TestAccuracy json.RawMessage `json:"test_accuracy"`
	}
	if err := json.Unmarshal(raw, &s); err != nil || len(s.TestAccuracy) == 0 {
		t.Fatalf("%s: summary.json without a test accuracy (%v)", run, err)
	}
	return string(s.TestAccuracy)
}

// meetingGroup is a train.Group whose members meet before they train, so
// that members that do not call Run at once fail.
type meetingGroup struct {
	g       *train.Group
	arrived sync.WaitGroup
	all     chan struct{}
}

func newMeetingGroup(n int) *meetingGroup {
	m := &meetingGroup{g: train.NewGroup(n), all: make(chan struct{})}
	m.arrived.Add(n)
	go func() { m.arrived.Wait(); close(m.all) }()
	return m
}

func (m *meetingGroup) Run(ctx context.Context, cfg config.Config, mnist *data.MNIST, opts train.Options) (*runfolder.Summary, error) {
	m.arrived.Done()
	select {
	case <-m.all:
	case <-time.After(time.Minute): // a guard: members that train at once meet at once
		return nil, context.DeadlineExceeded
	}
	return m.g.Run(ctx, cfg, mnist, opts)
}

func (m *meetingGroup) Leave() { m.arrived.Done(); m.g.Leave() }

// Trials that share a key train in process through one train.Group, every
// member calling its Run from a goroutine of its own, each with its own
// run folder, log and result, and with the dependencies of the command
// (Deps.Observe sees every trial's run).
func TestSweepGroupTrainsInProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("trains 3 small runs")
	}
	dataDir := fakeMNISTOfSize(t, 400, 100)
	var planned atomic.Int32
	var mu sync.Mutex
	var sizes []int
	var out, errOut bytes.Buffer
	e := &env{ctx: context.Background(), stdout: &out, stderr: &errOut, getenv: func(string) string { return "" },
		deps: Deps{Observe: func(ev train.Event) {
			if _, ok := ev.(train.Planned); ok {
				planned.Add(1)
			}
		}}}
	dir := filepath.Join(t.TempDir(), "sweep")
	o, _, err := parseSweepArgs([]string{"--out", dir, "--lr", "0.01,0.02,0.03", "--hidden", "16", "--batch-size", "64",
		"--epochs", "1", "--data-dir", dataDir, "--backend", "go"})
	if err != nil {
		t.Fatal(err)
	}
	o.groupKey = func(config.Config) (string, string) { return "one shape", "" }
	o.newGroup = func(n int) groupRunner {
		mu.Lock()
		sizes = append(sizes, n)
		mu.Unlock()
		return newMeetingGroup(n)
	}
	if code := exitCode(e.ctx, &errOut, "neurona sweep", sweepRun(e, o)); code != ExitOK {
		t.Fatalf("exit %d\n%s%s", code, out.String(), errOut.String())
	}
	if len(sizes) != 1 || sizes[0] != 3 || !strings.Contains(out.String(), "groups   3 trials in 1 group of 3") {
		t.Errorf("groups made: %v; want one of 3\n%s", sizes, out.String())
	}
	if n := planned.Load(); n != 3 {
		t.Errorf("Deps.Observe saw %d runs planned, want 3", n)
	}
	if !strings.Contains(out.String(), "group 1/1  epoch 1/1  3 of 3 trials  val acc ") {
		t.Errorf("no progress line for the group's epoch:\n%s", out.String())
	}
	for _, tr := range readSweepJSON(t, dir).Trials {
		log, _ := os.ReadFile(filepath.Join(dir, "logs", tr.Name+".log"))
		if tr.Result.Status != "finished" || tr.Group != 1 || !bytes.Contains(log, []byte("--run-dir="+filepath.Join(dir, tr.Name))) {
			t.Errorf("%s: %s in group %d, log naming its own run folder: %v", tr.Name, tr.Result.Status, tr.Group,
				bytes.Contains(log, []byte(filepath.Join(dir, tr.Name))))
		}
		testAccuracyText(t, filepath.Join(dir, tr.Name))
	}
}

// A sweep interrupted while two trials train at once marks both
// interrupted, exits 130, and --resume continues them from their
// checkpoints: every trial ends with the weights of an uninterrupted
// sweep trained one trial at a time, bit for bit.
func TestSweepJobsInterruptedThenResumed(t *testing.T) {
	if testing.Short() {
		t.Skip("trains 8 small runs")
	}
	if runtime.GOMAXPROCS(0) < 2 {
		t.Skip("--jobs 2 needs 2 cores; this machine runs Go on 1")
	}
	dataDir := fakeMNISTOfSize(t, 800, 200)
	recipe := []string{"--lr", "0.01,0.03", "--hidden", "32,48", "--batch-size", "64", "--epochs", "4",
		"--data-dir", dataDir, "--backend", "go", "--group", "1"} // trials alone: this is --jobs's test
	ref := filepath.Join(t.TempDir(), "reference")
	if code, stdout, stderr := cliRun(append([]string{"sweep", "--out", ref}, recipe...)...); code != ExitOK {
		t.Fatalf("reference sweep: exit %d\n%s%s", code, stdout, stderr)
	}

	// Interrupted once two trials have saved a checkpoint: in their middle.
	dir := filepath.Join(t.TempDir(), "interrupted")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	saved := map[string]bool{}
	var out, errOut bytes.Buffer
	e := &env{ctx: ctx, stdout: &out, stderr: &errOut, getenv: func(string) string { return "" },
		deps: Deps{Observe: func(ev train.Event) {
			if c, ok := ev.(train.CheckpointSaved); ok {
				mu.Lock()
				defer mu.Unlock()
				saved[filepath.Base(filepath.Dir(filepath.Dir(c.Path)))] = true
				if len(saved) == 2 {
					cancel()
				}
			}
		}}}
	o, _, err := parseSweepArgs(append([]string{"--out", dir, "--jobs", "2"}, recipe...))
	if err != nil {
		t.Fatal(err)
	}
	if code := exitCode(ctx, &errOut, "neurona sweep", sweepRun(e, o)); code != ExitInterrupted {
		t.Fatalf("interrupted sweep: exit %d, want 130\n%s%s", code, out.String(), errOut.String())
	}
	var interrupted []string
	for _, tr := range readSweepJSON(t, dir).Trials {
		switch tr.Result.Status {
		case "interrupted":
			interrupted = append(interrupted, tr.Name)
		case "running":
			t.Errorf("%s left running", tr.Name)
		}
	}
	if len(interrupted) != 2 {
		t.Errorf("trials %v interrupted, want the 2 training at once (checkpoints of %v)", interrupted, saved)
	}

	if code, stdout, stderr := cliRun("sweep", "--resume", dir); code != ExitOK {
		t.Fatalf("sweep --resume: exit %d\n%s%s", code, stdout, stderr)
	}
	for _, name := range interrupted {
		if log, _ := os.ReadFile(filepath.Join(dir, "logs", name+".log")); !bytes.Contains(log, []byte("$ neurona train --resume=")) {
			t.Errorf("%s was not resumed from its checkpoint:\n%s", name, log)
		}
	}
	for _, tr := range readSweepJSON(t, ref).Trials {
		last, _ := filepath.Glob(filepath.Join(ref, tr.Name, "checkpoints", "ckpt-*"))
		if len(last) == 0 {
			t.Fatalf("%s: the reference has no checkpoint", tr.Name)
		}
		rel, _ := filepath.Rel(ref, filepath.Join(last[len(last)-1], "variables.bin"))
		want, _ := os.ReadFile(filepath.Join(ref, rel))
		got, err := os.ReadFile(filepath.Join(dir, rel))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: %s differs from the uninterrupted sweep's (%v)", tr.Name, rel, err)
		}
	}
}

// leavingGroup counts its members' calls of Run and Leave; its Run trains
// nothing.
type leavingGroup struct{ runs, leaves atomic.Int32 }

func (g *leavingGroup) Run(context.Context, config.Config, *data.MNIST, train.Options) (*runfolder.Summary, error) {
	g.runs.Add(1)
	return nil, errors.New("not trained: a test's group")
}

func (g *leavingGroup) Leave() { g.leaves.Add(1) }

// A member that fails before its run starts (here its log cannot be
// opened) leaves its group, so that a group waiting for every member does
// not wait for it; the others run.
func TestSweepGroupMemberLeaves(t *testing.T) {
	dataDir := fakeMNISTOfSize(t, 100, 20)
	dir := filepath.Join(t.TempDir(), "sweep")
	args := []string{"--lr", "0.01,0.02,0.03", "--epochs", "1", "--data-dir", dataDir, "--backend", "go"}
	spec, err := sweep.ParseArgs(args, sweepFlags(testEnv(nil)), 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	s, err := sweep.CreateWith(dir, spec, args, time.Now(), sweep.Options{Group: 3, Keys: []string{"k", "k", "k"}})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if err := os.MkdirAll(filepath.Join(dir, "logs", "trial-002.log"), 0o755); err != nil { // not a file
		t.Fatal(err)
	}
	o, _, err := parseSweepArgs([]string{"--resume", dir})
	if err != nil {
		t.Fatal(err)
	}
	g := &leavingGroup{}
	o.groupKey = func(config.Config) (string, string) { return "k", "" }
	o.newGroup = func(int) groupRunner { return g }
	var out, errOut bytes.Buffer
	e := &env{ctx: context.Background(), stdout: &out, stderr: &errOut, getenv: func(string) string { return "" }}
	err = sweepRun(e, o)
	if g.runs.Load() != 2 || g.leaves.Load() != 1 || err == nil {
		t.Errorf("Run called %d times, Leave %d, sweep error %v; want 2, 1 and no trial finished\n%s%s",
			g.runs.Load(), g.leaves.Load(), err, out.String(), errOut.String())
	}
}

// A trial alone in its shape (here each width is a shape of its own)
// trains as `neurona train` does, bit for bit: a group of one is today's
// run, not the grouped program.
func TestSweepTrialAloneTrainsAsTrain(t *testing.T) {
	if testing.Short() {
		t.Skip("trains 3 small runs")
	}
	dataDir := fakeMNISTOfSize(t, 400, 100)
	common := []string{"--epochs", "1", "--batch-size", "64", "--data-dir", dataDir, "--backend", "go"}
	dir := filepath.Join(t.TempDir(), "sweep")
	if code, stdout, stderr := cliRun(append([]string{"sweep", "--out", dir, "--hidden", "16,24"}, common...)...); code != ExitOK {
		t.Fatalf("sweep: exit %d\n%s%s", code, stdout, stderr)
	}
	run := filepath.Join(t.TempDir(), "run")
	if code, stdout, stderr := cliRun(append([]string{"train", "--hidden", "16", "--run-dir", run, "--progress", "never"}, common...)...); code != ExitOK {
		t.Fatalf("train: exit %d\n%s%s", code, stdout, stderr)
	}
	for _, tr := range readSweepJSON(t, dir).Trials {
		if tr.Group != 0 {
			t.Errorf("%s planned in group %d, want alone", tr.Name, tr.Group)
		}
	}
	want, _ := filepath.Glob(filepath.Join(run, "checkpoints", "ckpt-*", "variables.bin"))
	got, _ := filepath.Glob(filepath.Join(dir, "trial-001", "checkpoints", "ckpt-*", "variables.bin"))
	if len(want) == 0 || len(got) != len(want) {
		t.Fatalf("checkpoints: %d in the trial, %d in the run", len(got), len(want))
	}
	a, _ := os.ReadFile(got[len(got)-1])
	b, _ := os.ReadFile(want[len(want)-1])
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Errorf("the trial's last variables.bin (%d bytes) differs from train's (%d bytes)", len(a), len(b))
	}
}
