package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/neurona/neurona/train"
	"github.com/neurona/neurona/train/runfolder"
)

func TestSeedsFlagErrors(t *testing.T) {
	many := strings.Repeat("1,", maxSeeds) + "1"
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"a seed that is not a number is refused", []string{"--seeds", "1,two"}, `"two" is not a seed`},
		{"a negative seed is refused", []string{"--seeds", "-1"}, `"-1" is not a seed`},
		{"an empty list is refused", []string{"--seeds", ""}, `"" is not a seed`},
		{"a seed given twice is refused", []string{"--seeds", "1,2,1"}, "seed 1 is given twice"},
		{"more seeds than allowed are refused", []string{"--seeds", many}, fmt.Sprintf("%d seeds (want 1 to %d", maxSeeds+1, maxSeeds)},
		{"--seed with --seeds is refused", []string{"--seeds", "1,2", "--seed", "3"}, "--seed and --seeds: give one"},
		{"--resume with --seeds is refused", []string{"--seeds", "1,2", "--resume", "somewhere"}, "--seeds and --resume"},
		{"--print-config with --seeds is refused", []string{"--seeds", "1,2", "--print-config"}, "--print-config and --seeds"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := cliRun(append([]string{"train", "--backend", "go"}, tc.args...)...)
			lines := strings.Split(strings.TrimSpace(stderr), "\n")
			if code != ExitUsage || len(lines) != 1 || !strings.Contains(stderr, tc.want) || stdout != "" {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit %d and one line with %q", code, stdout, stderr, ExitUsage, tc.want)
			}
			if len(stderr) > 600 {
				t.Errorf("the error echoes %d bytes of the argument", len(stderr))
			}
		})
	}
}

func TestSeedsParse(t *testing.T) {
	got, err := parseSeeds(" 5, 1,18446744073709551615")
	if want := []uint64{5, 1, math.MaxUint64}; err != nil || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("parseSeeds = %v, %v; want %v in the order given", got, err, want)
	}
}

func TestSeedsStats(t *testing.T) {
	s := statsOf([]float64{0.98, 0.97, 0.99})
	if s.Seeds != 3 || math.Abs(s.Mean-0.98) > 1e-12 || s.SD == nil || math.Abs(*s.SD-0.01) > 1e-12 || s.Min != 0.97 || s.Max != 0.99 {
		t.Errorf("statsOf(0.98, 0.97, 0.99) = %+v; want mean 0.98, sd 0.01, min 0.97, max 0.99", s)
	}
	if s := statsOf([]float64{0.5}); s.SD != nil {
		t.Errorf("one value has a sample standard deviation %g; want none", *s.SD)
	}
	if s := statsOf(nil); s != nil {
		t.Errorf("no values give %+v; want nil", s)
	}
}

// seedsArgs is a perceptron trained on data for 3 epochs of 6 steps, one
// step per call; grouped, in f32 (train.GroupKey groups it), else in bf16
// (which it does not).
func seedsArgs(data, runDir, seeds string, grouped bool) []string {
	return []string{"train", "--model", "perceptron", "--epochs", "3", "--batch-size", "32", "--steps-per-call", "1",
		"--precision=" + map[bool]string{true: "f32", false: "bf16"}[grouped], "--backend", "go", "--progress", "never", "--data-dir", data, "--run-dir", runDir, "--seeds", seeds}
}

// notGroupedWhy is train.GroupKey's reason for a bf16 run.
const notGroupedWhy = "not grouped: a group trains in f32 only"

// trainSeedsWith runs args through train with deps, stopped when ctx is;
// the sizes of the groups made are appended to groups.
func trainSeedsWith(ctx context.Context, args []string, deps Deps, groups *[]int) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	e := &env{ctx: ctx, stdout: &out, stderr: &errOut, getenv: func(string) string { return "" }, deps: deps}
	cmd, err := execute(newRootCmd(e, newCmdTrain(e, func(o *trainOptions) error {
		o.newGroup = func(n int) runFunc {
			*groups = append(*groups, n)
			return train.NewGroup(n).Run
		}
		return trainRun(e, o)
	})), args)
	code = exitCode(ctx, &errOut, commandPath(cmd), err)
	return code, out.String(), errOut.String()
}

// readSeedsReport reads dir's seeds.json.
func readSeedsReport(t *testing.T, dir string) *seedsReport {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, seedsFile))
	if err != nil {
		t.Fatal(err)
	}
	var r seedsReport
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("%s: %v", seedsFile, err)
	}
	return &r
}

func TestSeedsTrainEachSeedAndReportTheSpread(t *testing.T) {
	if testing.Short() {
		t.Skip("trains")
	}
	data := fakeMNIST(t)
	for _, tc := range []struct {
		name    string
		grouped bool
	}{
		{"seeds that can be grouped train as one group", true},
		{"seeds that cannot be grouped train one after another and say why", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "seeds")
			var groups []int
			code, stdout, stderr := trainSeedsWith(context.Background(), seedsArgs(data, dir, "3,1,2", tc.grouped), Deps{}, &groups)
			if code != ExitOK {
				t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
			}
			if said := strings.Contains(stdout, notGroupedWhy); said == tc.grouped {
				t.Errorf("grouped %v, but the output says \"not grouped\": %v\n%s", tc.grouped, said, stdout)
			}
			if want := map[bool]string{true: "[3]", false: "[]"}[tc.grouped]; fmt.Sprint(groups) != want {
				t.Errorf("groups of %v members, want %s", groups, want)
			}
			r := readSeedsReport(t, dir)
			if r.Grouped != tc.grouped || len(r.Seeds) != 3 {
				t.Fatalf("seeds.json: grouped %v with %d seeds; want grouped %v with 3", r.Grouped, len(r.Seeds), tc.grouped)
			}
			var accs []float64
			for i, seed := range []uint64{3, 1, 2} {
				run := filepath.Join(dir, fmt.Sprintf("seed-%d", seed))
				s, err := runfolder.ReadSummary(run)
				if err != nil {
					t.Fatal(err)
				}
				got := r.Seeds[i]
				if got.Seed != seed || got.Status != seedFinished || got.RunDir != run || got.TestAccuracy == nil ||
					*got.TestAccuracy != *s.TestAccuracy || got.Epochs != s.Epochs || s.Hyperparameters.Seed != seed {
					t.Errorf("seeds.json's seed %d: %+v; its run folder's summary: seed %d, test accuracy %v, %d epochs",
						seed, got, s.Hyperparameters.Seed, deref(s.TestAccuracy), s.Epochs)
				}
				row := fmt.Sprintf("%d %s %s %d", seed, accOrDash(s.BestValAccuracy), accOrDash(s.TestAccuracy), s.Epochs)
				if !tableHasRow(stdout, row) {
					t.Errorf("the table lacks the row %q:\n%s", row, stdout)
				}
				if _, err := os.Stat(filepath.Join(run, seedLog)); (err == nil) != (i > 0) {
					t.Errorf("seed %d (shown: %v) has a %s: %v", seed, i == 0, seedLog, err == nil)
				}
				accs = append(accs, *s.TestAccuracy)
			}
			st := statsOf(accs)
			line := fmt.Sprintf("test accuracy %.4f ± %.4f (mean ± sd over 3 seeds, min %.4f, max %.4f)", st.Mean, *st.SD, st.Min, st.Max)
			if !strings.Contains(stdout, line) {
				t.Errorf("stdout lacks %q:\n%s", line, stdout)
			}
			if r.TestAccuracy == nil || r.TestAccuracy.Mean != st.Mean || *r.TestAccuracy.SD != *st.SD {
				t.Errorf("seeds.json's test accuracy %+v; want mean %g, sd %g", r.TestAccuracy, st.Mean, *st.SD)
			}
		})
	}
}

// tableHasRow reports whether a line of out starts with the fields of
// row, however they are aligned.
func tableHasRow(out, row string) bool {
	want := strings.Fields(row)
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) >= len(want) && slices.Equal(f[:len(want)], want) {
			return true
		}
	}
	return false
}

// TestSeedsInterruptAndContinue stops `train --seeds` at its second step,
// then runs the same command again: the interrupted seeds resume from
// their checkpoints, the others start, all finish. One after another, the
// first seed is stopped and the second never starts.
func TestSeedsInterruptAndContinue(t *testing.T) {
	if testing.Short() {
		t.Skip("trains")
	}
	data := fakeMNIST(t)
	for _, tc := range []struct {
		name    string
		grouped bool
	}{
		{"seeds trained one after another", false},
		{"seeds trained as a group", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "seeds")
			args := seedsArgs(data, dir, "1,2", tc.grouped)
			var groups []int
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			// Stopped when every seed that trains has done its second
			// step (one after another, only the first trains). The
			// observer does not block: a group may report its members'
			// events from one goroutine.
			training := 1
			if tc.grouped {
				training = 2
			}
			var mu sync.Mutex
			stop := func(ev train.Event) {
				if s, ok := ev.(train.StepsDone); ok && s.GlobalStep == 2 {
					mu.Lock()
					defer mu.Unlock()
					if training--; training == 0 {
						cancel()
					}
				}
			}
			code, stdout, stderr := trainSeedsWith(ctx, args, Deps{Observe: stop}, &groups)
			if code != ExitInterrupted {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, ExitInterrupted, stdout, stderr)
			}
			if want := "Continue them all with the same command and --run-dir " + dir; !strings.Contains(stderr, want) {
				t.Errorf("stderr lacks %q:\n%s", want, stderr)
			}
			r := readSeedsReport(t, dir)
			if s := r.Seeds; len(s) != 2 || s[0].Status != seedInterrupted || s[1].Status != seedInterrupted {
				t.Fatalf("seeds.json after the interrupt: %+v; want both seeds interrupted", s)
			}
			if s := r.Seeds; s[0].LastCheckpoint == "" || (s[1].LastCheckpoint != "") != tc.grouped {
				t.Errorf("seeds.json after the interrupt: %+v; want seed 1 interrupted with a checkpoint, seed 2 with one if grouped (%v)", s, tc.grouped)
			}

			code, stdout, stderr = trainSeedsWith(context.Background(), args, Deps{}, &groups)
			if code != ExitOK {
				t.Fatalf("continuing: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
			}
			if !strings.Contains(stdout, "resume   from "+filepath.Join(dir, "seed-1")) {
				t.Errorf("seed 1 did not say it resumed:\n%s", stdout)
			}
			if r := readSeedsReport(t, dir); r.count(seedFinished) != 2 || r.TestAccuracy == nil || r.TestAccuracy.Seeds != 2 {
				t.Errorf("seeds.json after continuing: %+v; want both seeds finished", r.Seeds)
			}
			// A third time: both finished, nothing trains, both reported.
			code, stdout, stderr = trainSeedsWith(context.Background(), args, Deps{}, &groups)
			if r := readSeedsReport(t, dir); code != ExitOK || r.count(seedFinished) != 2 || !strings.Contains(stdout, "seeds    nothing to train") {
				t.Errorf("once finished: exit %d, seeds %+v; want exit 0, both finished and nothing trained\n%s%s", code, r.Seeds, stdout, stderr)
			}
		})
	}
}

// TestSeedsAFailingSeedIsNotCounted: a seed whose checkpoint is damaged
// fails before training and is left out of the group; the others train,
// and the command says so and exits 1 after the table.
func TestSeedsAFailingSeedIsNotCounted(t *testing.T) {
	if testing.Short() {
		t.Skip("trains")
	}
	data := fakeMNIST(t)
	dir := filepath.Join(t.TempDir(), "seeds")
	var groups []int
	if code, stdout, stderr := trainSeedsWith(context.Background(), seedsArgs(data, dir, "1", true), Deps{}, &groups); code != ExitOK {
		t.Fatalf("seed 1 alone: exit %d\n%s%s", code, stdout, stderr)
	}
	// Every file of every checkpoint of seed 1 emptied: nothing to resume.
	ckpts := runfolder.CheckpointsDir(filepath.Join(dir, "seed-1"))
	err := filepath.WalkDir(ckpts, func(path string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			err = os.Truncate(path, 0)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	groups = nil
	code, stdout, stderr := trainSeedsWith(context.Background(), seedsArgs(data, dir, "1,2,3", true), Deps{}, &groups)
	if code != ExitFailure || !strings.Contains(stderr, "1 of 3 seeds failed") {
		t.Errorf("exit %d, stderr %q; want exit %d and \"1 of 3 seeds failed\"", code, stderr, ExitFailure)
	}
	if fmt.Sprint(groups) != "[2]" {
		t.Errorf("groups of %v members; want one of the 2 seeds that train", groups)
	}
	r := readSeedsReport(t, dir)
	if s := r.Seeds; len(s) != 3 || s[0].Status != seedFailed || s[0].Error == "" || s[1].Status != seedFinished || s[2].Status != seedFinished {
		t.Errorf("seeds.json: %+v; want seed 1 failed with its error, 2 and 3 finished", s)
	}
	if !tableHasRow(stdout, "1 - - 0 -") || r.TestAccuracy == nil || r.TestAccuracy.Seeds != 2 {
		t.Errorf("want seed 1's row empty and the spread over 2 seeds:\n%s", stdout)
	}
}

func FuzzParseSeeds(f *testing.F) {
	for _, s := range []string{"1,2,3", " 5, 1", "", "1,1", "-1", "18446744073709551616", strings.Repeat("7,", 70)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		seeds, err := parseSeeds(text)
		if err != nil {
			if len(err.Error()) > 600 {
				t.Errorf("the error is %d bytes long", len(err.Error()))
			}
			return
		}
		if len(seeds) < 1 || len(seeds) > maxSeeds {
			t.Fatalf("accepted %d seeds", len(seeds))
		}
		var parts []string
		seen := map[uint64]bool{}
		for _, s := range seeds {
			if seen[s] {
				t.Fatalf("accepted seed %d twice", s)
			}
			seen[s] = true
			parts = append(parts, fmt.Sprint(s))
		}
		again, err := parseSeeds(strings.Join(parts, ","))
		if err != nil || !slices.Equal(again, seeds) {
			t.Errorf("%v written back parses as %v, %v", seeds, again, err)
		}
	})
}
