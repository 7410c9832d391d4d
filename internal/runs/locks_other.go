//go:build !linux

package runs

import "io/fs"

// Locks is the files that hold an advisory lock now; elsewhere than on
// Linux they cannot be seen without taking one, so HeldLocks says it
// does not know, and BeingTrained guesses from the run's recent writes.
type Locks map[uint64]bool

// HeldLocks returns nil: unknown here.
func HeldLocks() Locks { return nil }

// Holds reports false: no lock can be seen here.
func (s Locks) Holds(fs.FileInfo) bool { return false }
