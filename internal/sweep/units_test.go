package sweep

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestPlanGroups(t *testing.T) {
	tests := []struct {
		name   string
		keys   []string
		size   int
		limits []int
		want   []int
	}{
		{"trials of one shape make one group", []string{"a", "a", "a", "a"}, 64, nil, []int{1, 1, 1, 1}},
		{"trials of two shapes make two groups, numbered by their first trial", []string{"a", "b", "a", "b"}, 64, nil, []int{1, 2, 1, 2}},
		{"a trial whose key is empty trains alone", []string{"a", "", "a"}, 64, nil, []int{1, 0, 1}},
		{"a trial alone in its shape trains alone", []string{"a", "b", "a"}, 64, nil, []int{1, 0, 1}},
		{"every key empty: every trial alone", []string{"", "", ""}, 64, nil, []int{0, 0, 0}},
		{"--group 1: every trial alone", []string{"a", "a", "a"}, 1, nil, []int{0, 0, 0}},
		{"--group 0 reaching the planner: every trial alone", []string{"a", "a"}, 0, nil, []int{0, 0}},
		{"a shape larger than the cap splits into even groups", []string{"a", "a", "a", "a", "a", "a", "a", "a", "a"}, 8, nil, []int{1, 1, 1, 1, 1, 2, 2, 2, 2}},
		{"a cap of 2 pairs the trials in order, the odd one alone", []string{"a", "a", "a", "a", "a"}, 2, nil, []int{1, 1, 2, 2, 0}},
		{"an odd one out of a split trains alone", []string{"a", "a", "a"}, 2, nil, []int{1, 1, 0}},
		{"a later shape's group starting between an earlier one's is numbered in plan order",
			[]string{"a", "a", "b", "b", "a", "a"}, 2, nil, []int{1, 1, 2, 2, 3, 3}},
		{"a shape whose memory holds fewer than the size splits by its limit",
			[]string{"a", "a", "a", "a", "b", "b"}, 64, []int{2, 2, 2, 2, 0, 0}, []int{1, 1, 2, 2, 3, 3}},
		{"a limit above the size leaves the size",
			[]string{"a", "a", "a"}, 2, []int{8, 8, 8}, []int{1, 1, 0}},
		{"trials of one shape with different limits (restore-best or not) are grouped by the smallest",
			[]string{"a", "a", "a", "a"}, 64, []int{4, 2, 4, 4}, []int{1, 1, 2, 2}},
		{"a limit of 1 trains every trial of its shape alone",
			[]string{"a", "a", "b", "b"}, 64, []int{1, 1, 0, 0}, []int{0, 0, 1, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := planGroups(tt.keys, tt.size, tt.limits); !slices.Equal(got, tt.want) {
				t.Errorf("planGroups(%q, %d, %v) = %v, want %v", tt.keys, tt.size, tt.limits, got, tt.want)
			}
		})
	}
}

// groupedSweep creates a sweep of len(keys) trials (--lr 1..n) grouped by
// keys in groups of at most size.
func groupedSweep(t *testing.T, keys []string, size int) *Sweep {
	t.Helper()
	lrs := make([]string, len(keys))
	for i := range lrs {
		lrs[i] = fmt.Sprint(i + 1)
	}
	args := []string{"--lr", strings.Join(lrs, ",")}
	spec, err := ParseArgs(args, trainFlags, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	s, err := CreateWith(filepath.Join(t.TempDir(), "sweep"), spec, args, time.Now(), Options{Group: size, Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// unitsOf writes units as "g[0 1] [2]": g for a group.
func unitsOf(units []unit) string {
	var parts []string
	for _, u := range units {
		p := fmt.Sprint(u.trials)
		if u.group {
			p = "g" + p
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, " ")
}

// A resumed sweep regroups exactly the planned members that still have
// work: a member with only itself left is still a group (so that it
// trains as it would have in the uninterrupted sweep), a trial planned
// alone stays alone.
func TestUnitsOfAResumedSweep(t *testing.T) {
	keys := []string{"a", "a", "a", "", "b", "b"}
	tests := []struct {
		name string
		done []int // trials finished before the resume
		want string
	}{
		{"nothing done: the planned units", nil, "g[0 1 2] [3] g[4 5]"},
		{"one member done: the others regroup", []int{1}, "g[0 2] [3] g[4 5]"},
		{"one member left: a group of one", []int{0, 2, 5}, "g[1] [3] g[4]"},
		{"a group done and the one alone done: the rest", []int{0, 1, 2, 3}, "g[4 5]"},
		{"everything done: nothing", []int{0, 1, 2, 3, 4, 5}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := groupedSweep(t, keys, 64)
			for _, i := range tt.done {
				s.Trials[i].Result.Status = Finished
			}
			if err := s.Save(); err != nil {
				t.Fatal(err)
			}
			again := reopen(t, s)
			if got := unitsOf(again.units()); got != tt.want {
				t.Errorf("units %q, want %q", got, tt.want)
			}
		})
	}
	t.Run("a sweep.json from before groups: every trial alone", func(t *testing.T) {
		s := newSweep(t, "--lr", "0.1,0.2,0.3")
		if got := unitsOf(reopen(t, s).units()); got != "[0] [1] [2]" {
			t.Errorf("units %q", got)
		}
	})
}

func TestGrouping(t *testing.T) {
	tests := []struct {
		name string
		keys []string
		size int
		want string
	}{
		{"one group", []string{"a", "a", "a", "a", "a", "a", "a", "a"}, 64, "8 trials in 1 group of 8"},
		{"groups and trials alone", []string{"a", "a", "a", "b", "b", "", ""}, 64, "7 trials: 2 groups (3, 2), 2 alone"},
		{"none", []string{"a", "a"}, 1, "2 trials, each alone"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := groupedSweep(t, tt.keys, tt.size)
			if got := s.Grouping(); got != tt.want {
				t.Errorf("Grouping() = %q, want %q", got, tt.want)
			}
		})
	}
	t.Run("the board has a group column when trials are grouped", func(t *testing.T) {
		s := groupedSweep(t, []string{"a", "a", ""}, 64)
		md := s.Markdown()
		if !strings.Contains(md, "| rank | trial | group | lr |") || !strings.Contains(md, "| trial-003 | - |") ||
			!strings.Contains(md, "3 trials: 1 group (2), 1 alone") {
			t.Errorf("sweep.md:\n%s", md)
		}
	})
}

// A sweep.json whose groups its planner cannot have made is refused.
func TestOpenRefusesTamperedGroups(t *testing.T) {
	tampered := map[string]func(*Sweep){
		"a negative group":                        func(s *Sweep) { s.Trials[0].Group = -1 },
		"groups numbered out of order":            func(s *Sweep) { s.Trials[0].Group, s.Trials[1].Group, s.Trials[2].Group = 2, 2, 0 },
		"a group larger than planned":             func(s *Sweep) { s.GroupSize = 2 },
		"a group size over the package's limit":   func(s *Sweep) { s.GroupSize = MaxGroup + 1 },
		"shards over config's limit":              func(s *Sweep) { s.Trials[0].Shards = 1000 },
		"more jobs than the package accepts":      func(s *Sweep) { s.Jobs = MaxJobs + 1 },
		"groups where none were planned (size 0)": func(s *Sweep) { s.GroupSize = 0 },
	}
	for name, tamper := range tampered {
		t.Run(name, func(t *testing.T) {
			s := groupedSweep(t, []string{"a", "a", "a"}, 64)
			tamper(s)
			if err := s.Save(); err != nil {
				t.Fatal(err)
			}
			s.Close()
			if again, err := Open(s.Dir()); err == nil {
				again.Close()
				t.Errorf("Open accepted it")
			}
		})
	}
}
