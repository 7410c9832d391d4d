package sweep

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Every count a specification gives is bounded before anything is planned
// or allocated from it, and an error never quotes more than a few dozen
// bytes of an argument.
func TestSpecBounds(t *testing.T) {
	huge := strings.Repeat("7", 1<<20)
	tests := []struct {
		name   string
		args   []string
		random int
		errHas string
	}{
		{"an integer range beyond int64", []string{"--seed", "0:9223372036854775807"}, 5, "2^53"},
		{"an integer range beyond 2^53", []string{"--seed", "-1:9007199254740993"}, 5, "2^53"},
		{"a layer count range beyond the model's", []string{"--hidden-width", "8", "--hidden-layers", "1:1000000000"}, 3, "1 to 64"},
		{"a layer count beyond the model's", []string{"--hidden-width", "8:16", "--hidden-layers", "100000000"}, 3, "1 to 64"},
		{"a width range beyond the model's", []string{"--hidden-width", "8:99999999"}, 3, "1 to 1048576"},
		{"a --hidden width beyond the model's", []string{"--hidden", "99999999,8"}, 0, "1 to 1048576"},
		{"a megabyte of layer width", []string{"--hidden", huge + ",8"}, 0, `"777`},
		{"a megabyte of layer count", []string{"--hidden-width", "8", "--hidden-layers", huge}, 3, "1 to 64"},
		{"a megabyte flag name", []string{"--" + huge, "1,2"}, 0, "unknown flag"},
		{"a megabyte stray argument", []string{huge}, 0, "unexpected argument"},
		{"a megabyte range", []string{"--lr", huge + ":" + huge + ":x"}, 5, "not a range"},
		{"a range of a megabyte of colons", []string{"--lr", strings.Repeat(":", 1<<20)}, 5, "not a range"},
		{"more choices than allowed", []string{"--lr", strings.Repeat("1,", 1<<19) + "1"}, 0, "choices (at most 1000)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseArgs(tt.args, trainFlags, tt.random, 1)
			if !errors.Is(err, ErrSpec) || !strings.Contains(err.Error(), tt.errHas) || strings.Contains(err.Error(), "\n") || len(err.Error()) > 300 {
				msg := "<nil>"
				if err != nil {
					msg = err.Error()
					if len(msg) > 300 {
						msg = msg[:300] + "..."
					}
				}
				t.Fatalf("error %q (%d bytes), want one line under 300 bytes wrapping ErrSpec saying %q", msg, len(msg), tt.errHas)
			}
		})
	}
}

// --random draws full-precision values and never the same configuration
// twice; asking for more trials than there are configurations is refused.
func TestRandomDrawsDistinct(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		random int
	}{
		{"a narrow real range", []string{"--lr", "0.001:0.0010001"}, 50},
		{"two lists of two", []string{"--lr", "1,2", "--batch-size", "3,4"}, 4},
		{"a list and an integer range, all of them", []string{"--epochs", "1:5", "--batch-size", "3,4"}, 10},
		{"a log integer range crowded at its low end, all of them", []string{"--epochs", "1:1000:log", "--seed", "1:10"}, MaxTrials},
		{"hidden layers drawn", []string{"--hidden-width", "1:3", "--hidden-layers", "1:2"}, 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := ParseArgs(tt.args, trainFlags, tt.random, 7)
			if err != nil {
				t.Fatal(err)
			}
			trials, err := s.Plan()
			if err != nil || len(trials) != tt.random {
				t.Fatalf("Plan: %d trials, %v; want %d", len(trials), err, tt.random)
			}
			seen := map[string]string{}
			for _, tr := range trials {
				key := strings.Join(tr.Args, " ")
				if first, dup := seen[key]; dup {
					t.Fatalf("%s repeats %s: %s", tr.Name, first, key)
				}
				seen[key] = tr.Name
			}
		})
	}
	t.Run("more trials than configurations are refused", func(t *testing.T) {
		_, err := ParseArgs([]string{"--lr", "1,2", "--batch-size", "3,4"}, trainFlags, 30, 1)
		if !errors.Is(err, ErrSpec) || !strings.Contains(err.Error(), "only 4 distinct configurations") {
			t.Fatalf("error %v, want one saying there are only 4 distinct configurations", err)
		}
	})
	t.Run("a real range is drawn in full precision", func(t *testing.T) {
		s, _ := ParseArgs([]string{"--lr", "1e-4:1e-2:log"}, trainFlags, 20, 3)
		trials, _ := s.Plan()
		long := 0
		for _, tr := range trials {
			v, err := strconv.ParseFloat(tr.Settings["lr"], 64)
			if err != nil || v < 1e-4 || v > 1e-2 {
				t.Fatalf("%s: lr %q outside 1e-4:1e-2", tr.Name, tr.Settings["lr"])
			}
			if len(strings.TrimLeft(strings.Split(strings.ReplaceAll(tr.Settings["lr"], ".", ""), "e")[0], "0")) > 3 {
				long++
			}
		}
		if long == 0 {
			t.Error("every lr drawn has 3 significant digits or fewer: rounded")
		}
	})
}

// A sweep.json read back is bounded like arguments are: a spec that asks
// for too much is refused before anything is planned from it.
func TestOpenRefusesAHostileSpec(t *testing.T) {
	tests := []struct {
		name   string
		edit   func(m map[string]any)
		errHas string
	}{
		{"a billion random trials", func(m map[string]any) { spec(m)["random"] = 1_000_000_000 }, "--random 1000000000"},
		{"a negative trial count", func(m map[string]any) { spec(m)["random"] = -1 }, "--random -1"},
		{"a layer count of a billion", func(m map[string]any) {
			spec(m)["random"] = 2
			spec(m)["params"] = []any{map[string]any{"flag": HiddenWidth, "choices": []string{"8"}},
				map[string]any{"flag": HiddenLayers, "range": map[string]any{"lo": 1, "hi": 1e9, "int": true}}}
		}, "1 to 64"},
		{"an integer range beyond int64", func(m map[string]any) {
			spec(m)["random"] = 2
			spec(m)["params"] = []any{map[string]any{"flag": "seed", "range": map[string]any{"lo": 0, "hi": 1e19, "int": true}}}
		}, "2^53"},
		{"a range in a grid", func(m map[string]any) {
			spec(m)["params"] = []any{map[string]any{"flag": "lr", "range": map[string]any{"lo": 0, "hi": 1}}}
		}, "ranges need --random"},
		{"a flag named like a path", func(m map[string]any) {
			spec(m)["params"] = []any{map[string]any{"flag": "../x", "choices": []string{"1", "2"}}}
		}, "a flag named"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSweep(t, "--lr", "0.1,0.9")
			s.Close()
			m := map[string]any{}
			path := filepath.Join(s.Dir(), File)
			raw, _ := os.ReadFile(path)
			if err := json.Unmarshal(raw, &m); err != nil {
				t.Fatal(err)
			}
			tt.edit(m)
			raw, _ = json.Marshal(m)
			if err := os.WriteFile(path, raw, 0o644); err != nil {
				t.Fatal(err)
			}
			if got, err := Open(s.Dir()); err == nil || !strings.Contains(err.Error(), tt.errHas) {
				t.Errorf("Open: %v, want an error saying %q", err, tt.errHas)
				if err == nil {
					got.Close()
				}
			}
		})
	}
	t.Run("a sweep.json nested deeper than a sweep's", func(t *testing.T) {
		dir := t.TempDir()
		deep := `{"version": 2, "args": ` + strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000) + "}"
		if err := os.WriteFile(filepath.Join(dir, File), []byte(deep), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := Open(dir); err == nil || !strings.Contains(err.Error(), "nested more than") {
			t.Errorf("Open: %v, want it refused for its nesting", err)
		}
	})
}

// spec is the "spec" object of a sweep.json read into a map.
func spec(m map[string]any) map[string]any { return m["spec"].(map[string]any) }

// FuzzReadSweep: no sweep.json makes the reader panic, and one it accepts
// plans at most MaxTrials trials.
func FuzzReadSweep(f *testing.F) {
	s, err := Create(filepath.Join(f.TempDir(), "sweep"), mustSpec(f, []string{"--lr", "0.1,0.9", "--epochs", "1"}, 0), nil, time.Now())
	if err != nil {
		f.Fatal(err)
	}
	s.Close()
	good, _ := os.ReadFile(filepath.Join(s.Dir(), File))
	f.Add(good)
	g, err := CreateWith(filepath.Join(f.TempDir(), "grouped"), mustSpec(f, []string{"--lr", "0.1,0.5,0.9", "--epochs", "1"}, 0), nil, time.Now(),
		Options{Jobs: 2, Group: 2, Keys: []string{"a", "a", "a"}, Shards: []int{2, 2, 2}})
	if err != nil {
		f.Fatal(err)
	}
	g.Close()
	grouped, _ := os.ReadFile(filepath.Join(g.Dir(), File))
	f.Add(grouped)
	f.Add([]byte(`{"version":2,"spec":{"params":[{"flag":"lr","range":{"lo":0,"hi":1}}],"random":3,"seed":1},"trials":[]}`))
	f.Add([]byte(`{"version":1,"spec":{"random":1000000000}}`))
	f.Add([]byte(`[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, File), b, 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := read(dir)
		if err != nil {
			return
		}
		if len(got.Trials) > MaxTrials || got.Jobs > MaxJobs {
			t.Fatalf("accepted %d trials and %d jobs", len(got.Trials), got.Jobs)
		}
		sizes, _ := got.GroupSizes()
		for g, n := range sizes {
			if n > MaxGroup {
				t.Fatalf("accepted group %d of %d trials", g+1, n)
			}
		}
		got.units()
	})
}

func mustSpec(tb testing.TB, args []string, random int) Spec {
	tb.Helper()
	s, err := ParseArgs(args, trainFlags, random, 1)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}
