package sweep

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/neurona/neurona/internal/human"
)

// maxDistinct caps the count of distinct configurations: beyond it the
// count saturates (a random search never needs to know more).
const maxDistinct = 1 << 62

// check bounds everything a specification holds before anything is planned
// or allocated from it: ParseArgs builds specs that pass, and a spec read
// back from sweep.json is not trusted.
func (s Spec) check() error {
	if s.Random < 0 || s.Random > MaxTrials {
		return specErrorf("--random %d (must be 1 to %d, or 0 for the grid)", s.Random, MaxTrials)
	}
	if len(s.Params) > maxFlagArgs {
		return specErrorf("%d flags (at most %d)", len(s.Params), maxFlagArgs)
	}
	seen := map[string]bool{}
	for _, p := range s.Params {
		if p.Flag == "" || len(p.Flag) > 64 || strings.Trim(p.Flag, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" {
			return specErrorf("a flag named %s", human.Quote(p.Flag))
		}
		if seen[p.Flag] {
			return specErrorf("--%s given twice", p.Flag)
		}
		seen[p.Flag] = true
		switch {
		case p.Range != nil && len(p.Choices) > 0:
			return specErrorf("--%s has both choices and a range", p.Flag)
		case p.Range != nil && s.Random == 0:
			return specErrorf("--%s is a range; ranges need --random N", p.Flag)
		case p.Range != nil:
			if err := p.Range.check(p.Flag); err != nil {
				return err
			}
		case len(p.Choices) == 0 || len(p.Choices) > maxChoices:
			return specErrorf("--%s has %d choices (want 1 to %d)", p.Flag, len(p.Choices), maxChoices)
		}
		if p.Flag == HiddenWidth || p.Flag == HiddenLayers {
			if err := p.checkPseudo(); err != nil {
				return err
			}
		}
	}
	if d, finite := s.distinct(); s.Random > 0 && finite && d < uint64(s.Random) {
		grid := ""
		if !s.hasRange() {
			grid = fmt.Sprintf(", or leave out --random to train all %d as a grid", d)
		}
		return specErrorf("--random %d, but the lists and ranges give only %s (give --random %d or fewer%s)",
			s.Random, human.Count(int(d), "distinct configuration"), d, grid)
	}
	return nil
}

// hasRange reports whether some parameter of s is a range.
func (s Spec) hasRange() bool {
	for _, p := range s.Params {
		if p.Range != nil {
			return true
		}
	}
	return false
}

// size is the number of values p can take; 0 for a range of real numbers.
func (p Param) size() uint64 {
	switch {
	case p.Range == nil:
		return uint64(len(p.Choices))
	case !p.Range.Int:
		return 0
	}
	return uint64(int64(p.Range.Hi)-int64(p.Range.Lo)) + 1 // checked: |lo|, |hi| <= 2^53
}

// value is p's k-th value (k < p.size()), as draw writes it.
func (p Param) value(k uint64) string {
	if p.Range == nil {
		return p.Choices[k]
	}
	return strconv.FormatInt(int64(p.Range.Lo)+int64(k), 10)
}

// distinct is the number of distinct configurations of s's parameters
// (saturating at maxDistinct), and whether it is finite: a range of real
// numbers is not.
func (s Spec) distinct() (n uint64, finite bool) {
	n = 1
	for _, p := range s.Params {
		k := p.size()
		if k == 0 {
			return 0, false
		}
		if n > maxDistinct/k {
			n = maxDistinct
		} else {
			n *= k
		}
	}
	return n, true
}

// decode is the configuration of index i in [0, distinct), the last
// parameter varying fastest.
func (s Spec) decode(i uint64) []string {
	values := make([]string, len(s.Params))
	for j := len(s.Params) - 1; j >= 0; j-- {
		k := s.Params[j].size()
		values[j] = s.Params[j].value(i % k)
		i /= k
	}
	return values
}

// drawDistinct draws n configurations, no two alike (sampling without
// replacement): each is drawn as the parameters' distributions say (a log
// range log-uniformly) and drawn again if it repeats one already drawn.
// When repeats use up a budget of draws (n close to the number of distinct
// configurations, or most of the weight on a few), the rest are chosen
// uniformly among the configurations not yet drawn, by a lazy shuffle of
// their indices, so that planning always ends, in O(n) steps.
func (s Spec) drawDistinct(rng *rand.Rand, n int) ([][]string, error) {
	seen := make(map[string]bool, n)
	out := make([][]string, 0, n)
	add := func(values []string) {
		if key := strings.Join(values, "\x00"); !seen[key] {
			seen[key] = true
			out = append(out, values)
		}
	}
	for budget := 20*n + 1000; len(out) < n && budget > 0; budget-- {
		values := make([]string, len(s.Params))
		for j, p := range s.Params {
			values[j] = draw(rng, p)
		}
		add(values)
	}
	if len(out) == n {
		return out, nil
	}
	d, finite := s.distinct()
	if !finite || d == maxDistinct {
		return nil, specErrorf("--random %d: drew only %d distinct configurations (widen the ranges, or give fewer trials)", n, len(out))
	}
	moved := map[uint64]uint64{} // the lazy shuffle: index i holds moved[i], else i
	at := func(i uint64) uint64 {
		if v, ok := moved[i]; ok {
			return v
		}
		return i
	}
	for i := uint64(0); len(out) < n && i < d; i++ {
		j := i + rng.Uint64N(d-i)
		vi, vj := at(i), at(j)
		moved[j] = vi
		add(s.decode(vj))
	}
	return out, nil
}

// draw samples one value of p, written in full precision.
func draw(rng *rand.Rand, p Param) string {
	if p.Range == nil {
		return p.Choices[rng.IntN(len(p.Choices))]
	}
	r := *p.Range
	if r.Int && !r.Log {
		lo := int64(r.Lo)
		return strconv.FormatInt(lo+rng.Int64N(int64(r.Hi)-lo+1), 10)
	}
	u := rng.Float64()
	var v float64
	if r.Log {
		v = math.Exp(math.Log(r.Lo) + u*(math.Log(r.Hi)-math.Log(r.Lo)))
	} else {
		v = r.Lo + u*(r.Hi-r.Lo)
	}
	v = math.Min(math.Max(v, r.Lo), r.Hi) // exp(log(x)) may step past a bound
	if r.Int {
		return strconv.FormatInt(int64(math.Round(v)), 10)
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}
