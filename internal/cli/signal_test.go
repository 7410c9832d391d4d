package cli

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/neurona/neurona/train"
)

// hangEnv holds the run folder of the subprocess that
// TestSignalEndsATrainRunWhoseCallHangs starts.
const hangEnv = "NEURONA_TEST_HANG_RUN_DIR"

// TestSignalEndsATrainRunWhoseCallHangs starts `neurona train` in a
// subprocess (this test binary) whose 13th training call never returns,
// signals it once that call hangs, and checks that it exits within seconds
// with the signal's code and a line naming the abandoned call and the last
// intact checkpoint.
func TestSignalEndsATrainRunWhoseCallHangs(t *testing.T) {
	if dir := os.Getenv(hangEnv); dir != "" {
		var calls atomic.Int32
		hang := func(kind string) bool {
			if kind != "train" || calls.Add(1) < 13 {
				return false
			}
			fmt.Fprintln(os.Stderr, "HUNG")
			return true
		}
		os.Exit(MainWith([]string{"train", "--hidden", "8", "--batch-size", "100", "--save-every", "5", "--epochs", "1",
			"--backend", "go", "--progress", "never", "--run-dir", dir}, os.Stdout, os.Stderr, Deps{Faults: train.Faults{HangCall: hang}}))
	}
	if testing.Short() {
		t.Skip("trains in a subprocess")
	}
	for _, tc := range []struct {
		sig  syscall.Signal
		code int
		says string
	}{
		{syscall.SIGTERM, ExitTerminated, "neurona train: terminated (SIGTERM): "},
		{syscall.SIGINT, ExitInterrupted, "neurona train: interrupted: "},
	} {
		t.Run(tc.sig.String(), func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "run")
			cmd, lines := startChild(t, "TestSignalEndsATrainRunWhoseCallHangs", hangEnv+"="+dir)
			var got []string
			deadline := time.After(2 * time.Minute)
		waitHang:
			for {
				select {
				case l, ok := <-lines:
					if !ok {
						t.Fatalf("the subprocess ended before its call hung: %q", got)
					}
					got = append(got, l)
					if l == "HUNG" {
						break waitHang
					}
				case <-deadline:
					t.Fatalf("no hung call after 2 minutes: %q", got)
				}
			}
			// The call's goroutine prints HUNG as it blocks, while the
			// watchdog already waits on it and on the signal.
			signalled := time.Now()
			if err := cmd.Process.Signal(tc.sig); err != nil {
				t.Fatal(err)
			}
			ended := time.After(30 * time.Second)
		drain:
			for {
				select {
				case l, ok := <-lines:
					if !ok {
						break drain
					}
					got = append(got, l)
				case <-ended:
					t.Fatalf("still running 30s after %s; stderr %q", tc.sig, got)
				}
			}
			err := cmd.Wait()
			took := time.Since(signalled)
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != tc.code {
				t.Errorf("exit after %s: %v, want code %d; stderr %q", tc.sig, err, tc.code, got)
			}
			if took > 15*time.Second {
				t.Errorf("the run took %s to end after %s", took, tc.sig)
			}
			want := tc.says + "the train call of step 13 did not return within 3s of the signal; abandoned it; " +
				"the last intact checkpoint is " + filepath.Join(dir, "checkpoints", "ckpt-000000010")
			if !strings.Contains(strings.Join(got, "\n"), want) {
				t.Errorf("stderr %q lacks %q", got, want)
			}
		})
	}
}

// TestSignalForcesAnExitWhenACommandDoesNotStop signals this process (the
// handler catches it) and checks that a command that never returns is
// ended with the signal's code after forceExitAfter, and not before.
func TestSignalForcesAnExitWhenACommandDoesNotStop(t *testing.T) {
	defer func(after time.Duration, exit func(int)) { forceExitAfter, forceExit = after, exit }(forceExitAfter, forceExit)
	for _, tc := range []struct {
		sig  syscall.Signal
		code int
		name string
	}{{syscall.SIGTERM, ExitTerminated, "SIGTERM"}, {syscall.SIGINT, ExitInterrupted, "SIGINT"}} {
		forceExitAfter = 300 * time.Millisecond
		codes := make(chan int, 1)
		forceExit = func(code int) { codes <- code }
		var stderr strings.Builder
		ctx, stop := signalContext(&syncWriter{w: &stderr})
		start := time.Now()
		if err := syscall.Kill(os.Getpid(), tc.sig); err != nil {
			t.Fatal(err)
		}
		<-ctx.Done()
		select {
		case code := <-codes:
			if took := time.Since(start); code != tc.code || took < forceExitAfter {
				t.Errorf("%s: forced exit %d after %s, want %d after %s", tc.sig, code, took, tc.code, forceExitAfter)
			}
			if want := "neurona: still running 300ms after " + tc.name + " (a call that does not return); exiting\n"; stderr.String() != want {
				t.Errorf("%s: stderr %q, want %q", tc.sig, stderr.String(), want)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("%s: no forced exit 10s after the signal", tc.sig)
		}
		stop()
	}

	// A command that ends in time is not cut short: the wait for a forced
	// exit runs out only after the command has stopped the handler, and
	// then forces nothing (stop returns once the handler has).
	defer func(timer func(time.Duration) <-chan time.Time) { forceTimer = timer }(forceTimer)
	runOut := make(chan time.Time, 1)
	forceTimer = func(time.Duration) <-chan time.Time { return runOut }
	forceExit = func(code int) { t.Errorf("forced exit %d of a command that had ended", code) }
	ctx, stop := signalContext(&strings.Builder{})
	_ = syscall.Kill(os.Getpid(), syscall.SIGTERM)
	<-ctx.Done()
	stop()
	runOut <- time.Now()
}

// syncWriter serialises writes from the signal goroutine.
type syncWriter struct {
	mu sync.Mutex
	w  *strings.Builder
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// startChild runs this test binary again as a child that runs only the
// test called name, with env (NAME=value) added to its environment, and
// returns it and the lines of its stderr, in order, closed at its end. The
// child is killed when the test ends, if it has not ended by then.
func startChild(t *testing.T, name, env string) (*exec.Cmd, <-chan string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+name+"$")
	cmd.Env = append(os.Environ(), env)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	lines := make(chan string, 100)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	return cmd, lines
}
