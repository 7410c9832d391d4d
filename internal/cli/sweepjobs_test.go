package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/neurona/neurona/internal/sweep"
	"github.com/neurona/neurona/train/config"
)

func TestSweepJobsAndGroupFlags(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name   string
		args   []string
		errHas string
	}{
		{"--jobs 0", []string{"--jobs", "0"}, "--jobs \"0\" (want 1 to "},
		{"more jobs than cores", []string{"--jobs", "100000"}, "at most one per core"},
		{"--jobs that is not a number", []string{"--jobs=two"}, "--jobs \"two\""},
		{"--jobs of 100 kB", []string{"--jobs", strings.Repeat("9", 100_000)}, "--jobs \"999"},
		{"a negative --group", []string{"--group", "-1"}, "--group \"-1\" (want 0, automatic, to 64"},
		{"a --group over the most", []string{"--group", "65"}, "to 64"},
		{"--group with --resume", []string{"--resume", "x", "--group", "2"}, "--group is planned when a sweep starts"},
		{"--jobs without a value", []string{"--jobs"}, "--jobs needs a value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"sweep"}, tt.args...) // --resume stands alone
			if !strings.Contains(tt.name, "resume") {
				args = append([]string{"sweep", "--out", filepath.Join(dir, "s"), "--lr", "0.1,0.2"}, tt.args...)
			}
			code, stdout, stderr := cliRun(args...)
			if code != ExitUsage || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, tt.errHas) || len(stderr) > 400 {
				t.Errorf("exit %d, stderr %.400q (stdout %q); want exit 2 and one line saying %q", code, stderr, stdout, tt.errHas)
			}
		})
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("bad flags wrote %d folders", len(entries))
	}
}

// sweepJSON reads the fields of dir's sweep.json these tests check.
type sweepJSON struct {
	Jobs      int `json:"jobs"`
	GroupSize int `json:"group_size"`
	Trials    []struct {
		Name   string
		Group  int
		Shards int
		Result struct{ Status string }
	}
}

func readSweepJSON(t *testing.T, dir string) sweepJSON {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, sweep.File))
	if err != nil {
		t.Fatal(err)
	}
	var s sweepJSON
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// sweepGrouped runs `neurona sweep args...` as sweepWith does, every trial
// of one shape (key "k") unless a trial's --lr is in apart, a group's
// members meeting at a barrier before they train, so that a group whose
// members did not train at once fails. It returns the group sizes asked
// for and how many trials trained alone.
func sweepGrouped(t *testing.T, args []string, apart string) (code int, stdout, stderr string, sizes []int, alone int) {
	t.Helper()
	return sweepGroupedIn(t, args, apart, 0)
}

// sweepGroupedIn is sweepGrouped on a machine whose memory holds fits
// trials of a shape in a group (0: this machine's, train.MaxMembers).
func sweepGroupedIn(t *testing.T, args []string, apart string, fits int) (code int, stdout, stderr string, sizes []int, alone int) {
	t.Helper()
	var holds func(config.Config) int
	if fits > 0 {
		holds = func(config.Config) int { return fits }
	}
	return sweepGroupedHolding(t, args, apart, holds)
}

// sweepGroupedHolding is sweepGrouped on a machine whose memory holds
// fits(cfg) trials of cfg's shape in a group (nil: train.MaxMembers).
func sweepGroupedHolding(t *testing.T, args []string, apart string, fits func(config.Config) int) (code int, stdout, stderr string, sizes []int, alone int) {
	t.Helper()
	var mu sync.Mutex
	var out, errOut bytes.Buffer
	e := &env{ctx: context.Background(), stdout: &out, stderr: &errOut, getenv: func(string) string { return "" }}
	o, _, err := parseSweepArgs(args)
	if err == nil {
		o.maxMembers = fits
		o.groupKey = func(c config.Config) (string, string) {
			if strings.Contains(","+apart+",", ","+strconv.FormatFloat(c.LR, 'g', -1, 64)+",") {
				return "", "kept apart by the test"
			}
			return "k", ""
		}
		o.trainFn = func(ctx context.Context, args []string) error {
			mu.Lock()
			alone++
			mu.Unlock()
			return finishTrial(ctx, args)
		}
		o.groupFn = func(n int) sweep.TrainFunc {
			mu.Lock()
			sizes = append(sizes, n)
			mu.Unlock()
			var arrived sync.WaitGroup
			arrived.Add(n)
			all := make(chan struct{})
			go func() { arrived.Wait(); close(all) }()
			return func(ctx context.Context, args []string) error {
				arrived.Done()
				select {
				case <-all:
				case <-time.After(time.Minute): // a guard: members that train at once meet at once
					t.Errorf("%s: the other members of its group never came", trialDir(args))
				}
				return finishTrial(ctx, args)
			}
		}
		err = sweepRun(e, o)
	}
	return exitCode(e.ctx, &errOut, "neurona sweep", err), out.String(), errOut.String(), sizes, alone
}

// Trials of one shape train together, in groups of at most --group; each
// gets its own result; sweep.json records the groups, and a resume trains
// the planned members that still have work together, even one alone.
func TestSweepGroups(t *testing.T) {
	lrs := []string{"--lr", "0.1,0.2,0.3,0.4,0.5", "--epochs", "1"}
	tests := []struct {
		name   string
		flags  []string
		apart  string
		sizes  string // the groups trained
		alone  int
		line   string
		groups string // each trial's group in sweep.json
	}{
		{"automatic: one group of all five", nil, "", "[5]", 0, "groups   5 trials in 1 group of 5", "1 1 1 1 1"},
		{"--group 2: pairs, the odd one alone", []string{"--group", "2"}, "", "[2 2]", 1, "5 trials: 2 groups (2, 2), 1 alone", "1 1 2 2 0"},
		{"--group 1: every trial alone", []string{"--group", "1"}, "", "[]", 5, "5 trials, each alone (--group 1)", "0 0 0 0 0"},
		{"a trial train cannot group trains alone", nil, "0.3", "[4]", 1, "5 trials: 1 group (4), 1 alone", "1 1 0 1 1"},
		{"no key at all: every trial alone, and why", nil, "0.1,0.2,0.3,0.4,0.5", "[]", 5, "each alone (train does not group trial-001: kept apart by the test)", "0 0 0 0 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "sweep")
			code, stdout, stderr, sizes, alone := sweepGrouped(t, append(append([]string{"--out", dir}, lrs...), tt.flags...), tt.apart)
			if code != ExitOK || !strings.Contains(stdout, tt.line) {
				t.Fatalf("exit %d, want 0 and %q:\n%s%s", code, tt.line, stdout, stderr)
			}
			var groups []string
			s := readSweepJSON(t, dir)
			for _, tr := range s.Trials {
				groups = append(groups, strconv.Itoa(tr.Group))
				if tr.Result.Status != sweep.Finished {
					t.Errorf("%s: %s", tr.Name, tr.Result.Status)
				}
			}
			if got := strings.Join(groups, " "); got != tt.groups || fmt.Sprint(sizes) != tt.sizes || alone != tt.alone {
				t.Errorf("groups in sweep.json %q, trained groups %s and %d alone; want %q, %s and %d", got, fmt.Sprint(sizes), alone, tt.groups, tt.sizes, tt.alone)
			}
		})
	}
	t.Run("memory for 2 of the shape: pairs, the odd one alone, and why", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "sweep")
		code, stdout, stderr, sizes, alone := sweepGroupedIn(t, append([]string{"--out", dir}, lrs...), "", 2)
		if code != ExitOK || fmt.Sprint(sizes) != "[2 2]" || alone != 1 || !strings.Contains(stdout, "at most 2 trials of one shape in a group") {
			t.Errorf("exit %d, groups %v and %d alone; want [2 2], 1 alone and the memory said\n%s%s", code, sizes, alone, stdout, stderr)
		}
	})
	// A recorded group of 5 resumed on a machine whose memory holds fewer:
	// its trials train alone, with a warning.
	for _, tc := range []struct {
		name string
		fits func(config.Config) int
	}{
		{"a resume on a machine that holds fewer trains a recorded group's trials alone", func(config.Config) int { return 3 }},
		// One member needs more memory than the others (as --restore-best
		// does, which does not change a trial's shape): 3 of it fit.
		{"a resume holds a recorded group to what memory holds of its largest member", func(c config.Config) int {
			if c.LR == 0.4 {
				return 3
			}
			return 8
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "sweep")
			if code, stdout, stderr, _, _ := sweepGrouped(t, append([]string{"--out", dir}, lrs...), ""); code != ExitOK {
				t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
			}
			raw, _ := os.ReadFile(filepath.Join(dir, sweep.File))
			raw = bytes.ReplaceAll(raw, []byte(`"status": "finished"`), []byte(`"status": "interrupted"`))
			if err := os.WriteFile(filepath.Join(dir, sweep.File), raw, 0o644); err != nil {
				t.Fatal(err)
			}
			for i := 1; i <= 5; i++ {
				if err := os.Remove(filepath.Join(dir, fmt.Sprintf("trial-%03d", i), "summary.json")); err != nil {
					t.Fatal(err)
				}
			}
			code, stdout, stderr, sizes, alone := sweepGroupedHolding(t, []string{"--resume", dir}, "", tc.fits)
			if code != ExitOK || len(sizes) != 0 || alone != 5 || !strings.Contains(stderr, "more than this machine's memory holds") {
				t.Errorf("resumed: exit %d, groups %v and %d alone; want every trial alone and a warning\n%s%s", code, sizes, alone, stdout, stderr)
			}
		})
	}
	t.Run("a resume regroups the members left, one alone still as a group", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "sweep")
		args := append(append([]string{"--out", dir}, lrs...), "--group", "3") // groups of 3 and 2
		if code, stdout, stderr, _, _ := sweepGrouped(t, args, ""); code != ExitOK {
			t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
		}
		// As if killed: trial 1 and 5 still to train (trial 2, 3, 4 done).
		for _, name := range []string{"trial-001", "trial-005"} {
			if err := os.Remove(filepath.Join(dir, name, "summary.json")); err != nil {
				t.Fatal(err)
			}
		}
		raw, _ := os.ReadFile(filepath.Join(dir, sweep.File))
		raw = bytes.Replace(raw, []byte(`"status": "finished"`), []byte(`"status": "running"`), 1) // trial 1
		raw = replaceLast(raw, `"status": "finished"`, `"status": "interrupted"`)                  // trial 5
		if err := os.WriteFile(filepath.Join(dir, sweep.File), raw, 0o644); err != nil {
			t.Fatal(err)
		}
		code, stdout, stderr, sizes, alone := sweepGrouped(t, []string{"--resume", dir}, "")
		if code != ExitOK || fmt.Sprint(sizes) != "[1 1]" || alone != 0 || !strings.Contains(stdout, "3 of 5 trials done, 2 to go") {
			t.Errorf("resumed: exit %d, groups %v, %d alone; want each left member trained as a group of 1\n%s%s", code, sizes, alone, stdout, stderr)
		}
	})
}

func replaceLast(b []byte, old, repl string) []byte {
	i := bytes.LastIndex(b, []byte(old))
	if i < 0 {
		return b
	}
	return append(append(append([]byte{}, b[:i]...), repl...), b[i+len(old):]...)
}

// --jobs is recorded in sweep.json: --resume keeps it, a new --jobs
// replaces it, and a recorded value above this machine's cores runs one
// per core, saying so.
func TestSweepResumeJobs(t *testing.T) {
	if maxJobs() < 2 {
		t.Skip("--jobs 2 needs 2 cores; this machine runs Go on 1")
	}
	dir := filepath.Join(t.TempDir(), "sweep")
	if code, stdout, stderr := sweepWith([]string{"--out", dir, "--jobs", "2", "--lr", "0.1,0.2,0.3", "--epochs", "1"}, finishTrial); code != ExitOK ||
		!strings.Contains(stdout, "jobs     2 trials (or groups) at once") {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	steps := []struct {
		name      string
		args      []string
		edit      int // jobs written into sweep.json first, if not 0
		want      int
		stdoutHas string
	}{
		{"a resume keeps the recorded --jobs", []string{"--resume", dir}, 0, 2, "jobs     2 trials (or groups) at once"},
		{"a resume takes a new --jobs", []string{"--resume", dir, "--jobs", "1"}, 0, 1, "groups   "},
		{"more jobs recorded than cores: one per core", []string{"--resume", dir}, maxJobs() + 1, maxJobs() + 1, fmt.Sprintf("jobs     %d at once, not the %d recorded", maxJobs(), maxJobs()+1)},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if st.edit > 0 {
				raw, _ := os.ReadFile(filepath.Join(dir, sweep.File))
				raw = bytes.Replace(raw, []byte(`"jobs": 1,`), []byte(`"jobs": `+strconv.Itoa(st.edit)+`,`), 1)
				if err := os.WriteFile(filepath.Join(dir, sweep.File), raw, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			code, stdout, stderr := sweepWith(st.args, finishTrial)
			if got := readSweepJSON(t, dir).Jobs; code != ExitOK || got != st.want || !strings.Contains(stdout, st.stdoutHas) {
				t.Errorf("exit %d, sweep.json jobs %d; want 0, %d and %q:\n%s%s", code, got, st.want, st.stdoutHas, stdout, stderr)
			}
		})
	}
}

// Trials train side by side on the Go backend only: a recorded --jobs on
// another backend trains one at a time, and says so.
func TestSweepJobsOnlyOnTheGoBackend(t *testing.T) {
	tests := []struct {
		name, backend string
		jobs, want    int
		says          string
	}{
		{"the Go backend takes the recorded jobs", "go", 2, min(2, maxJobs()), "at once"},
		{"an XLA backend trains one at a time", "xla:cuda", 2, 1, "jobs     1 at a time: --jobs 2 runs trials side by side on the Go backend only"},
		{"one job says nothing", "xla:cuda", 1, 1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			got := sweepJobs(testEnv(&out), &sweep.Sweep{Jobs: tt.jobs}, &sweepPlan{backend: tt.backend})
			if got != tt.want || !strings.Contains(out.String(), tt.says) || (tt.says == "") != (out.Len() == 0) {
				t.Errorf("sweepJobs = %d, printed %q; want %d and %q", got, out.String(), tt.want, tt.says)
			}
		})
	}
}
