package serve

import (
	"bufio"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// lockSet is the inodes that hold an advisory lock now.
type lockSet map[uint64]bool

// heldLocks reads /proc/locks, the kernel's list of the locks held, to
// tell a run being trained (train.LockRun holds a flock on its .lock)
// from one whose process is gone. Reading it takes no lock: the server
// must never make `neurona train` find its run folder in use. nil means
// the list cannot be read.
func heldLocks() lockSet {
	f, err := os.Open("/proc/locks")
	if err != nil {
		return nil
	}
	defer f.Close()
	return parseLocks(bufio.NewScanner(f))
}

// parseLocks reads lines such as
//
//	1: FLOCK  ADVISORY  WRITE 1930 fe:00:10019313 0 EOF
//	1: -> FLOCK  ADVISORY  WRITE 1931 fe:00:10019313 0 EOF
//
// the device (major:minor, hex) and inode of each lock's file. Waiters
// ("->") hold nothing. Only the inode is kept: on overlay file systems
// the device /proc/locks names may differ from the one stat gives.
func parseLocks(sc *bufio.Scanner) lockSet {
	set := lockSet{}
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 6 || fields[1] == "->" {
			continue
		}
		id := strings.Split(fields[5], ":")
		if len(id) != 3 {
			continue
		}
		if ino, err := strconv.ParseUint(id[2], 10, 64); err == nil {
			set[ino] = true
		}
	}
	return set
}

// holds reports whether the file fi describes is locked.
func (s lockSet) holds(fi fs.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && s[st.Ino]
}
