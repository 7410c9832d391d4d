package data

import (
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"
)

// Split divides the indices 0..n-1 into a training and a validation part,
// the same way for the same (n, valFrac, seed) on every platform and Go
// release. round(n*valFrac) indices, chosen at random, go to validation and
// the rest to training; both slices are sorted. valFrac must be in [0, 1).
//
// The choice is the first round(n*valFrac) entries of a Fisher-Yates shuffle
// of 0..n-1 driven by math/rand/v2's PCG seeded with (seed, seed ^
// 0x9e3779b97f4a7c15), bounded with Lemire's multiply-and-reject method. Only
// PCG's output is taken from the library: rand.Perm's algorithm may change
// between releases, and a silently different validation set would make runs
// incomparable.
func Split(n int, valFrac float64, seed uint64) (train, val []int, err error) {
	if !(valFrac >= 0 && valFrac < 1) { // also rejects NaN
		return nil, nil, fmt.Errorf("val-split must be in [0, 1), got %v", valFrac)
	}
	if n < 0 {
		return nil, nil, fmt.Errorf("data: Split of %d items", n)
	}
	perm := make([]int, n)
	for i := range perm {
		perm[i] = i
	}
	src := rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)
	for i := n - 1; i > 0; i-- {
		j := boundedRand(src, uint64(i+1))
		perm[i], perm[j] = perm[j], perm[i]
	}
	nVal := int(math.Round(float64(n) * valFrac))
	val, train = perm[:nVal:nVal], perm[nVal:]
	slices.Sort(val)
	slices.Sort(train)
	return train, val, nil
}

// boundedRand returns a uniform random number in [0, bound), bound > 0, by
// Lemire's method: the high word of a 128-bit product, rejecting the few low
// words that would bias it ("Fast Random Integer Generation in an Interval",
// 2019).
func boundedRand(src *rand.PCG, bound uint64) uint64 {
	hi, lo := bits.Mul64(src.Uint64(), bound)
	if lo < bound {
		threshold := -bound % bound
		for lo < threshold {
			hi, lo = bits.Mul64(src.Uint64(), bound)
		}
	}
	return hi
}
