//go:build !linux

package serve

import "io/fs"

// lockSet is the files that hold an advisory lock now; elsewhere than on
// Linux the server cannot see locks without taking one, and guesses from
// the run's recent writes instead (see status).
type lockSet map[uint64]bool

func heldLocks() lockSet { return nil }

func (s lockSet) holds(fs.FileInfo) bool { return false }
