package serve

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// openFDs counts this process's open file descriptors.
func openFDs(t *testing.T) int {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("cannot count open files: %v", err)
	}
	return len(entries)
}

// closeReleasingPipes closes the server hs while opening each named pipe
// for writing and closing it again, over and over, which ends the open (and
// then the read) of every reader blocked on one: a regression fails its
// test instead of hanging the server's Close, which waits for every
// request.
func closeReleasingPipes(hs interface{ Close() }, pipes ...string) {
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			for _, p := range pipes {
				// Succeeds only while someone has the pipe open for reading.
				if w, err := os.OpenFile(p, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
					w.Close()
				}
			}
			select {
			case <-stop:
				return
			default:
				runtime.Gosched()
			}
		}
	}()
	hs.Close()
	close(stop)
	<-done
}

// settles waits until f() is at most limit, or the deadline passes, and
// returns the last value: goroutines and descriptors of a finished request
// go away shortly after its answer is read.
func settles(f func() int, limit int, deadline time.Duration) int {
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	timeout := time.After(deadline)
	for {
		n := f()
		if n <= limit {
			return n
		}
		select {
		case <-tick.C:
		case <-timeout:
			return n
		}
	}
}

// Issue 23 item 4: a named pipe in a run folder (summary.json, a picture,
// metrics.jsonl) was opened before its type was checked, so every request
// that read it waited forever, holding a goroutine, an OS thread and a
// descriptor, until the server answered nothing. Every request must now be
// answered, many times over, and leave nothing behind.
func TestNamedPipesInARunDoNotHoldTheServer(t *testing.T) {
	dir := t.TempDir()
	var pipes []string
	for _, tc := range []struct{ run, file string }{
		{"summary", summaryFile},
		{"summary", "curves.png"},
		{"metrics", metricsFile},
		{"metrics", "confusion.png"},
	} {
		run := filepath.Join(dir, tc.run)
		if _, err := os.Stat(run); err != nil {
			copyRun(t, fixture(t, "digits"), run)
		}
		p := filepath.Join(run, tc.file)
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		if err := syscall.Mkfifo(p, 0o644); err != nil {
			t.Fatal(err)
		}
		pipes = append(pipes, p)
	}
	_, hs := newServer(t, dir)
	t.Cleanup(func() { closeReleasingPipes(hs, pipes...) })
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	paths := []string{"/api/runs"}
	for _, run := range []string{"summary", "metrics"} {
		for _, p := range []string{"/runs/%s", "/api/runs/%s", "/api/runs/%s/metrics", "/api/runs/%s/evaluation", "/api/runs/%s/files/curves.png", "/api/runs/%s/files/confusion.png"} {
			paths = append(paths, fmt.Sprintf(p, run))
		}
	}
	request := func(path string) (int, string) {
		res, err := client.Get(hs.URL + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(body)
	}
	// Once to warm up (the model cache, the runtime's own goroutines).
	for _, p := range paths {
		request(p)
	}
	goroutines, fds := runtime.NumGoroutine(), openFDs(t)
	for range 20 {
		for _, p := range paths {
			code, body := request(p)
			if strings.HasSuffix(p, "/files/curves.png") && strings.Contains(p, "summary") && code != http.StatusForbidden {
				t.Fatalf("GET %s: %d %s, want 403 (a named pipe is not served)", p, code, body)
			}
		}
	}
	const slack = 5 // the listener's and the transport's own
	if n := settles(runtime.NumGoroutine, goroutines+slack, 10*time.Second); n > goroutines+slack {
		t.Errorf("%d goroutines after 20 rounds of requests, %d before", n, goroutines)
	}
	if n := settles(func() int { return openFDs(t) }, fds+slack, 10*time.Second); n > fds+slack {
		t.Errorf("%d open files after 20 rounds of requests, %d before", n, fds)
	}
	// The server still answers.
	if code, body := request("/api/runs/summary"); code != http.StatusOK || !strings.Contains(body, "named pipe") {
		t.Errorf("GET /api/runs/summary: %d %s, want 200 with the problem named", code, body)
	}
}

// asOtherUser runs f with permissions checked as an unprivileged user: as
// root, whom permissions do not stop, with the effective uid of nobody
// (the saved uid stays 0, so it is given back); otherwise as the user.
func asOtherUser(t *testing.T, f func()) {
	t.Helper()
	if os.Geteuid() == 0 {
		if err := syscall.Seteuid(65534); err != nil {
			t.Skipf("cannot act as nobody: %v", err)
		}
		defer func() {
			if err := syscall.Seteuid(0); err != nil {
				panic(fmt.Sprintf("cannot become root again: %v", err))
			}
		}()
	}
	f()
}

// Issue 23 item 18: a run folder the server may not read answered 500 (the
// server's fault), and a checkpoints/ folder it may not read "no checkpoint
// yet" (which is not true).
func TestUnreadableFoldersAreSaidToBeUnreadable(t *testing.T) {
	dir := t.TempDir()
	copyRun(t, fixture(t, "digits"), filepath.Join(dir, "locked"))
	copyRun(t, fixture(t, "digits"), filepath.Join(dir, "ckpts"))
	for _, p := range []string{dir, filepath.Join(dir, "ckpts")} {
		if err := os.Chmod(p, 0o755); err != nil { // the user may look inside
			t.Fatal(err)
		}
	}
	for _, p := range []string{filepath.Join(dir, "locked"), filepath.Join(dir, "ckpts", checkpointsDir)} {
		if err := os.Chmod(p, 0); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Chmod(p, 0o755) })
	}
	_, hs := newServer(t, dir)
	for _, tc := range []struct {
		name, path string
		code       int
		mention    string
	}{
		{"an unreadable run folder is forbidden, not a server error", "/api/runs/locked", http.StatusForbidden, "permission denied"},
		{"its page too", "/runs/locked", http.StatusForbidden, "permission denied"},
		{"an unreadable checkpoints folder is said to be one", "/api/runs/ckpts/evaluation", http.StatusForbidden, "checkpoints/ cannot be read"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var code int
			var body string
			asOtherUser(t, func() {
				res, err := hs.Client().Get(hs.URL + tc.path)
				if err != nil {
					t.Fatal(err)
				}
				defer res.Body.Close()
				b, _ := io.ReadAll(res.Body)
				code, body = res.StatusCode, string(b)
			})
			if code != tc.code || !strings.Contains(body, tc.mention) {
				t.Errorf("GET %s: %d %s, want %d saying %q", tc.path, code, body, tc.code, tc.mention)
			}
		})
	}
}
