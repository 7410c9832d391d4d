package sweep

import (
	"fmt"
	"strings"
)

// MaxGroup is the most trials one group trains together: the automatic
// group size (--group 0). A group's program holds every member's weights
// and optimizer state, and its steps run as long as its largest batch
// product; 64 trials of the default MLP fill an H200 (issue 28) and stay
// within a laptop's memory.
const MaxGroup = 64

// MaxJobs bounds the trials (or groups) a sweep.json may ask to train at
// once; the command line bounds --jobs by the machine's cores.
const MaxJobs = 1024

// planGroups numbers the groups of trials whose keys are equal and not "":
// in plan order, each key's trials split into consecutive groups of at
// most size (or of the smallest limit limits gives the key's trials, when
// it is below size), as even as can be (9 trials in groups of at most 8 are 5
// and 4, not 8 and 1). A trial alone in its key, with key "", or with a
// size <= 1 gets 0: it trains alone. Groups are numbered 1, 2, ... in the
// order of their first trial.
func planGroups(keys []string, size int, limits []int) []int {
	groups := make([]int, len(keys))
	if size <= 1 {
		return groups
	}
	byKey := map[string][]int{} // trial indices, in plan order
	var order []string
	for i, k := range keys {
		if k == "" {
			continue
		}
		if _, seen := byKey[k]; !seen {
			order = append(order, k)
		}
		byKey[k] = append(byKey[k], i)
	}
	type chunk struct{ members []int }
	var chunks []chunk
	for _, k := range order {
		members := byKey[k]
		size := size
		for _, m := range members { // trials of one key may differ in memory (--restore-best)
			if limits != nil && limits[m] > 0 {
				size = min(size, limits[m])
			}
		}
		n := (len(members) + size - 1) / size // groups for this key
		for g, start := 0, 0; g < n; g++ {
			rows := len(members) / n
			if g < len(members)%n {
				rows++
			}
			chunks = append(chunks, chunk{members[start : start+rows]})
			start += rows
		}
	}
	// Numbered by first trial: chunks of one key come in order already,
	// and keys in the order of their first trial, but a later key's first
	// chunk may start before an earlier key's second.
	id := 0
	first := map[int]int{} // first trial -> chunk
	for c, ch := range chunks {
		first[ch.members[0]] = c
	}
	for i := range keys {
		c, ok := first[i]
		if !ok || len(chunks[c].members) < 2 {
			continue
		}
		id++
		for _, m := range chunks[c].members {
			groups[m] = id
		}
	}
	return groups
}

// checkGroups refuses group numbers a sweep.json read back cannot have
// been planned with: out of range, numbered out of order, or a group
// larger than MaxGroup.
func (s *Sweep) checkGroups() error {
	if s.GroupSize < 0 || s.GroupSize > MaxGroup {
		return fmt.Errorf("groups of %d trials (accepted: 0 to %d)", s.GroupSize, MaxGroup)
	}
	sizes := map[int]int{}
	next := 1
	for _, e := range s.Trials {
		switch g := e.Group; {
		case g == 0:
		case g < 0 || g > next:
			return fmt.Errorf("trial %s is in group %d; the groups are numbered in plan order from 1", e.Name, g)
		case g == next:
			next++
			fallthrough
		default:
			if sizes[g]++; sizes[g] > max(s.GroupSize, 1) {
				return fmt.Errorf("group %d has more than the %d trials a group was planned with", g, s.GroupSize)
			}
		}
	}
	return nil
}

// Ungroup makes the members of group g train alone from here on (the
// command line's answer to a group its neurona cannot train together);
// the caller saves.
func (s *Sweep) Ungroup(g int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.Trials {
		if s.Trials[i].Group == g {
			s.Trials[i].Group = 0
		}
	}
}

// unit is trials trained at the same time: the members of a group that
// still have work, or one trial alone.
type unit struct {
	trials []int // indices into Sweep.Trials, in plan order
	// group: trained together through Runner.Group, even when one member
	// is left (a resumed group trains as it was planned, so that its
	// results are those of the uninterrupted sweep).
	group bool
}

// units returns the work left, in plan order of each unit's first trial:
// each group's members not done, and each ungrouped trial not done.
func (s *Sweep) units() []unit {
	var out []unit
	at := map[int]int{} // group -> index in out
	for i, e := range s.Trials {
		switch u, seen := at[e.Group]; {
		case e.Result.done():
		case e.Group == 0:
			out = append(out, unit{trials: []int{i}})
		case seen:
			out[u].trials = append(out[u].trials, i)
		default:
			at[e.Group] = len(out)
			out = append(out, unit{trials: []int{i}, group: true})
		}
	}
	return out
}

// GroupSizes returns the sizes of the sweep's planned groups, in order,
// and how many trials train alone.
func (s *Sweep) GroupSizes() (sizes []int, alone int) {
	for _, e := range s.Trials {
		switch {
		case e.Group == 0:
			alone++
		case e.Group > len(sizes):
			sizes = append(sizes, 1)
		default:
			sizes[e.Group-1]++
		}
	}
	return sizes, alone
}

// Grouping says how the trials were grouped: "8 trials in 1 group of 8",
// "10 trials: 2 groups (5, 3), 2 alone", "4 trials, each alone".
func (s *Sweep) Grouping() string {
	sizes, alone := s.GroupSizes()
	n := len(s.Trials)
	switch {
	case len(sizes) == 0:
		return fmt.Sprintf("%d %s, each alone", n, plural(n, "trial"))
	case alone == 0 && len(sizes) == 1:
		return fmt.Sprintf("%d trials in 1 group of %d", n, sizes[0])
	}
	line := fmt.Sprintf("%d trials: %d %s (%s)", n, len(sizes), plural(len(sizes), "group"), joinInts(sizes))
	if alone > 0 {
		line += fmt.Sprintf(", %d alone", alone)
	}
	return line
}

// plural is word, with an s unless n is 1.
func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// joinInts is "5, 3".
func joinInts(v []int) string {
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = fmt.Sprint(x)
	}
	return strings.Join(parts, ", ")
}
