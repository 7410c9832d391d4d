package runs

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/neurona/neurona/train/runfolder"
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
	unlock, err := runfolder.LockRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Lstat(filepath.Join(dir, ".lock"))
	if err != nil {
		t.Fatal(err)
	}
	locks := HeldLocks()
	if locks == nil {
		t.Skip("/proc/locks cannot be read here")
	}
	if !locks.Holds(fi) {
		t.Error("the lock runfolder.LockRun holds is not in /proc/locks")
	}
	unlock()
	if HeldLocks().Holds(fi) {
		t.Error("the lock is still seen after unlock")
	}
}

// fakeHeld is a Locks that holds fi's file.
func fakeHeld(t *testing.T, fi os.FileInfo) Locks {
	t.Helper()
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		t.Fatal("no inode")
	}
	return Locks{st.Ino: true}
}

// TestFindSeesARunBeingTrained: `runs list` says training while
// runfolder.LockRun's lock is held, and crashed once it is gone without a
// summary.
func TestFindSeesARunBeingTrained(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "live")
	fakeRun(t, dir, nil, 0.5)
	unlock, err := runfolder.LockRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	if HeldLocks() == nil {
		t.Skip("/proc/locks cannot be read here")
	}
	if r := Describe(dir, "live"); r.Status != Training {
		t.Errorf("a locked run is %q, want %q", r.Status, Training)
	}
	unlock()
	if r := Describe(dir, "live"); r.Status != Crashed {
		t.Errorf("after unlock, %q, want %q", r.Status, Crashed)
	}
}

func TestBeingTrained(t *testing.T) {
	dir := t.TempDir()
	lockPath := filepath.Join(dir, ".lock")
	if err := os.WriteFile(lockPath, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	lock, err := os.Lstat(lockPath)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	held := fakeHeld(t, lock) // what HeldLocks says while a process holds it
	for _, tc := range []struct {
		name                   string
		locks                  Locks
		lock                   os.FileInfo
		hasSummary             bool
		summaryTime, lastWrite time.Time
		want                   bool
	}{
		{"locked, no summary", held, lock, false, time.Time{}, now, true},
		{"locked, resumed after its summary", held, lock, true, now.Add(-time.Hour), now, true},
		{"locked, nothing written since its summary", held, lock, true, now, now.Add(-time.Minute), false},
		{"not locked", Locks{}, lock, false, time.Time{}, now, false},
		{"no lock file", held, nil, false, time.Time{}, now, false},
		{"locks unknown, written a minute ago", nil, nil, false, time.Time{}, now.Add(-time.Minute), true},
		{"locks unknown, written an hour ago", nil, nil, false, time.Time{}, now.Add(-time.Hour), false},
		{"locks unknown, with a summary", nil, nil, true, now, now, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := BeingTrained(tc.locks, tc.lock, tc.hasSummary, tc.summaryTime, tc.lastWrite); got != tc.want {
				t.Errorf("BeingTrained = %v, want %v", got, tc.want)
			}
		})
	}
}
