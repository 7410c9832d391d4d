package cli

import (
	"bytes"
	"io"
	"path/filepath"
	"strings"
	"testing"
)

// TestResumeFlags trains a one-epoch run, then checks what --resume accepts:
// the flags that do not change the results, and nothing that would.
func TestResumeFlags(t *testing.T) {
	// An MLP with 8 hidden units trained for an epoch on tiny data: what
	// --resume accepts does not depend on the data.
	run := filepath.Join(t.TempDir(), "run")
	if code, stdout, stderr := cliRun("train", "--hidden", "8", "--epochs", "1", "--batch-size", "32", "--data-dir", fakeMNIST(t),
		"--backend", "go", "--run-dir", run, "--progress", "never"); code != 0 {
		t.Fatalf("train: exit %d\n%s\n%s", code, stdout, stderr)
	}
	var stdout, stderr bytes.Buffer

	t.Run("flags that would change the run are refused", func(t *testing.T) {
		for _, args := range [][]string{{"--lr", "0.5"}, {"--hidden", "16"}, {"--batch-size", "64"}, {"--seed", "2"}, {"--warmup", "0.2"}} {
			stderr.Reset()
			code := Main(append([]string{"train", "--resume", run}, args...), io.Discard, &stderr)
			lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
			want := args[0] + " conflicts with the checkpoint"
			if code != 2 || len(lines) != 1 || !strings.Contains(lines[0], want) || !strings.Contains(lines[0], "--steps-per-call") {
				t.Errorf("%v: exit %d, stderr %q; want exit 2 and one line with %q listing what may change", args, code, stderr.String(), want)
			}
		}
	})

	resumed := func(t *testing.T, args ...string) *trainOptions {
		t.Helper()
		e := testEnv(io.Discard)
		o, err := parseTrain(append([]string{"--resume", run}, args...), e)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := resumeFrom(o, e); err != nil {
			t.Fatalf("resumeFrom %v: %v", args, err)
		}
		return o
	}
	t.Run("automatic steps per call are picked again for the new backend", func(t *testing.T) {
		o := resumed(t, "--epochs", "2")
		if o.cfg.StepsPerCall != 0 || o.cfg.Epochs != 2 || o.cfg.Model.Hidden[0] != 8 {
			t.Errorf("resumed config: %d steps per call (want 0, automatic), %d epochs, hidden %v", o.cfg.StepsPerCall, o.cfg.Epochs, o.cfg.Model.Hidden)
		}
	})
	t.Run("steps per call and the loop may change", func(t *testing.T) {
		o := resumed(t, "--epochs", "2", "--steps-per-call", "3", "--loop", "unroll")
		if o.cfg.StepsPerCall != 3 || o.cfg.Loop != "unroll" {
			t.Errorf("resumed config: %d steps per call in a %q loop, want 3 unrolled", o.cfg.StepsPerCall, o.cfg.Loop)
		}
	})
	for _, tc := range []struct {
		name, precision, note string
	}{
		{"the precision may change, and the change is said", "bf16", "precision bf16 instead of the checkpoint's f32"},
		{"the same precision says nothing", "f32", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var said bytes.Buffer
			e := testEnv(&said)
			o, err := parseTrain([]string{"--resume", run, "--epochs", "2", "--precision", tc.precision}, e)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := resumeFrom(o, e); err != nil {
				t.Fatalf("resume in %s a run trained in f32: %v", tc.precision, err)
			}
			if o.cfg.Precision != tc.precision || (tc.note == "") != !strings.Contains(said.String(), "precision") ||
				!strings.Contains(said.String(), tc.note) {
				t.Errorf("resumed in %q, saying %q; want %q and a line with %q", o.cfg.Precision, said.String(), tc.precision, tc.note)
			}
		})
	}
	t.Run("automatic shards are picked again for the new machine", func(t *testing.T) {
		if o := resumed(t, "--epochs", "2"); o.cfg.Shards != 0 {
			t.Errorf("resumed config: %d shards, want 0 (automatic)", o.cfg.Shards)
		}
	})
	t.Run("the shards may change", func(t *testing.T) {
		if o := resumed(t, "--epochs", "2", "--shards", "3"); o.cfg.Shards != 3 {
			t.Errorf("resumed config: %d shards, want 3", o.cfg.Shards)
		}
	})
	t.Run("--autodiff, which does nothing now, is accepted", func(t *testing.T) {
		if o := resumed(t, "--epochs", "2", "--autodiff"); o.cfg.Epochs != 2 {
			t.Errorf("resumed config: %d epochs, want 2", o.cfg.Epochs)
		}
	})
	t.Run("the resumed run trains on", func(t *testing.T) {
		stdout.Reset()
		if code := Main([]string{"train", "--resume", run, "--epochs", "2", "--steps-per-call", "5", "--progress", "never"}, &stdout, &stderr); code != 0 {
			t.Fatalf("exit %d\n%s\n%s", code, stdout.String(), stderr.String())
		}
		if !strings.Contains(stdout.String(), "5 steps at a time") || !strings.Contains(stdout.String(), "epoch   2/2") {
			t.Errorf("resumed output:\n%s", stdout.String())
		}
	})
	t.Run("a run resumed with other shards says what that changes", func(t *testing.T) {
		stdout.Reset()
		if code := Main([]string{"train", "--resume", run, "--epochs", "3", "--shards", "2", "--progress", "never"}, &stdout, &stderr); code != 0 {
			t.Fatalf("exit %d\n%s\n%s", code, stdout.String(), stderr.String())
		}
		for _, want := range []string{"batch 32 in 2 shards", "shards   2 instead of the 1 the run was trained with", "epoch   3/3"} {
			if !strings.Contains(stdout.String(), want) {
				t.Errorf("resumed output lacks %q:\n%s", want, stdout.String())
			}
		}
	})
}
