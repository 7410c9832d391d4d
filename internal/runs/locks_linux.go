package runs

import (
	"bufio"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// Locks is the inodes of the files that hold an advisory lock now.
type Locks map[uint64]bool

// HeldLocks reads /proc/locks, the kernel's list of the locks held, to
// tell a run being trained (runfolder.LockRun holds a flock on its .lock)
// from one whose process is gone. Reading it takes no lock: a list or a
// server must never make `neurona train` find its run folder in use. nil
// means the list cannot be read.
func HeldLocks() Locks {
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
func parseLocks(sc *bufio.Scanner) Locks {
	set := Locks{}
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

// Holds reports whether the file fi describes is locked (false for nil).
func (s Locks) Holds(fi fs.FileInfo) bool {
	if fi == nil {
		return false
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && s[st.Ino]
}
