package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
)

// asUser runs f on a thread whose filesystem user is uid (setfsuid(2)):
// root reads every folder, and a thread of nobody does not. The thread is
// never given back to the runtime, so it ends with f.
func asUser(t *testing.T, uid int, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		runtime.LockOSThread() // not unlocked: the thread dies with the goroutine
		syscall.RawSyscall(syscall.SYS_SETFSUID, uintptr(uid), 0, 0)
		if now, _, _ := syscall.RawSyscall(syscall.SYS_SETFSUID, ^uintptr(0), 0, 0); int(now) != uid {
			t.Errorf("setfsuid(%d) did not take: %d", uid, now)
			return
		}
		f()
	}()
	<-done
}

func TestRunsListWarnsOfAnUnreadableFolder(t *testing.T) {
	root := t.TempDir()
	writeRun(t, filepath.Join(root, "ok"), runSummary("adam"))
	locked := filepath.Join(root, "locked")
	writeRun(t, filepath.Join(locked, "hidden-run"), runSummary("adam"))
	if err := os.Chmod(locked, 0); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(locked, 0o755) })
	// nobody must reach root itself: open it and its parent (made by
	// t.TempDir, 0700) to others.
	for _, d := range []string{root, filepath.Dir(root)} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	var stdout, stderr bytes.Buffer
	code := -1
	list := func() { code = Main([]string{"runs", "list", root}, &stdout, &stderr) }
	if os.Geteuid() == 0 {
		asUser(t, 65534, list)
	} else {
		list()
	}
	if code != ExitOK || !strings.Contains(stderr.String(), locked+": cannot be read") || !strings.Contains(stdout.String(), "ok") {
		t.Errorf("exit %d, stdout:\n%s\nstderr:\n%s\nwant ok listed and a warning naming %s", code, stdout.String(), stderr.String(), locked)
	}
}
