package cli

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/neurona/neurona/data"
	"github.com/neurona/neurona/train"
	"github.com/neurona/neurona/train/runfolder"
)

// pauseEnv holds the run folder of the subprocess that
// TestSignalsSaveAndExit starts.
const pauseEnv = "NEURONA_TEST_PAUSE_RUN_DIR"

// pauseStep is the global step after which that subprocess pauses until
// it is signalled: the middle of its first epoch (540 steps of 100).
const pauseStep = 30

// TestSignalsSaveAndExit checks that SIGINT and SIGTERM stop a run in the
// middle of an epoch after the current step, with a checkpoint saved for
// the interrupt, a line saying how to resume, and exit codes 130 and 143.
// The training subprocess (this test binary) pauses after step 30 until
// the signal arrives, so the signal lands mid-epoch however loaded the
// machine is.
func TestSignalsSaveAndExit(t *testing.T) {
	if dir := os.Getenv(pauseEnv); dir != "" {
		sigs := make(chan os.Signal, 1)
		signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
		pause := func(ev train.Event) {
			if s, ok := ev.(train.StepsDone); ok && s.GlobalStep == pauseStep {
				fmt.Fprintln(os.Stderr, "PAUSED")
				<-sigs
			}
		}
		os.Exit(MainWith([]string{"train", "--hidden", "8", "--batch-size", "100", "--epochs", "2", "--steps-per-call", "1",
			"--backend", "go", "--progress", "never", "--run-dir", dir}, os.Stdout, os.Stderr, Deps{Observe: pause}))
	}
	if testing.Short() {
		t.Skip("trains in a subprocess")
	}
	if _, err := data.ModuleDataDir(); err != nil {
		t.Skipf("MNIST not available: %v", err)
	}
	for _, tc := range []struct {
		sig  syscall.Signal
		code int
	}{{syscall.SIGINT, ExitInterrupted}, {syscall.SIGTERM, ExitTerminated}} {
		t.Run(tc.sig.String(), func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "run")
			cmd, lines := startChild(t, "TestSignalsSaveAndExit", pauseEnv+"="+dir)
			var got []string
			// A guard against a hang, not a wait: the subprocess says when
			// it has paused.
			guard := time.After(3 * time.Minute)
		waitPause:
			for {
				select {
				case l, ok := <-lines:
					if !ok {
						t.Fatalf("the subprocess ended before step %d; its last lines:\n%s", pauseStep, lastLines(got, 5))
					}
					got = append(got, l)
					if l == "PAUSED" {
						break waitPause
					}
				case <-guard:
					t.Fatalf("no step %d after 3 minutes; last lines:\n%s", pauseStep, lastLines(got, 5))
				}
			}
			if err := cmd.Process.Signal(tc.sig); err != nil {
				t.Fatal(err)
			}
			for l := range lines {
				got = append(got, l)
			}
			err := cmd.Wait()
			if exit := new(exec.ExitError); !errors.As(err, &exit) || exit.ExitCode() != tc.code {
				t.Errorf("exit after %s: %v, want code %d; last lines:\n%s", tc.sig, err, tc.code, lastLines(got, 5))
			}
			if want := "resume with: neurona train --resume " + dir; !strings.Contains(strings.Join(got, "\n"), want) {
				t.Errorf("stderr lacks %q; its last lines:\n%s", want, lastLines(got, 5))
			}
			c, _, err := train.Checkpoints().Latest(runfolder.CheckpointsDir(dir))
			if err != nil {
				t.Fatalf("no checkpoint after %s: %v", tc.sig, err)
			}
			// The loop checks for the signal before each step: it stops at
			// step 30, or a step or two later if the signal reached the
			// loop after the pause ended, never at the epoch's end.
			m := c.Manifest
			if m.Reason != "interrupt" || m.Epoch != 0 || m.Step < pauseStep || m.Step > pauseStep+10 {
				t.Errorf("newest checkpoint: step %d of epoch %d saved for %q; want one saved for \"interrupt\" at step %d..%d of epoch 0",
					m.Step, m.Epoch, m.Reason, pauseStep, pauseStep+10)
			}
		})
	}
}

// lastLines is the last n of lines, one a line, for a failure's message.
func lastLines(lines []string, n int) string {
	return strings.Join(lines[max(len(lines)-n, 0):], "\n")
}
