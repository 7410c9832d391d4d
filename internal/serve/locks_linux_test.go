package serve

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/neurona/neurona/train"
)

func TestParseLocks(t *testing.T) {
	text := "1: FLOCK  ADVISORY  WRITE 1930 fe:00:10019313 0 EOF\n" +
		"1: -> FLOCK  ADVISORY  WRITE 1931 fe:00:777 0 EOF\n" +
		"2: POSIX  ADVISORY  READ 88 08:01:42 0 EOF\n" +
		"garbage\n"
	got := parseLocks(bufio.NewScanner(strings.NewReader(text)))
	if !got[10019313] || !got[42] || got[777] || len(got) != 2 {
		t.Errorf("parseLocks = %v, want inodes 10019313 and 42 (not the waiter's 777)", got)
	}
}

func TestHeldLocksSeesTheLockOfARunBeingTrained(t *testing.T) {
	dir := t.TempDir()
	unlock, err := train.LockRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Lstat(filepath.Join(dir, ".lock"))
	if err != nil {
		t.Fatal(err)
	}
	locks := heldLocks()
	if locks == nil {
		t.Skip("/proc/locks cannot be read here")
	}
	if !locks.holds(fi) {
		t.Error("the lock train.LockRun holds is not in /proc/locks")
	}
	unlock()
	if heldLocks().holds(fi) {
		t.Error("the lock is still seen after unlock")
	}
}
