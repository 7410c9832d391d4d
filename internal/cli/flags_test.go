package cli

import (
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/neurona/neurona/train/backend"
)

func TestVersionFlag(t *testing.T) {
	_, version, _ := cliRun("version")
	for _, args := range [][]string{{"--version"}, {"-v"}} {
		code, stdout, stderr := cliRun(args...)
		if code != ExitOK || stderr != "" || stdout != version || !strings.HasPrefix(stdout, "neurona ") {
			t.Errorf("%v: exit code %d, stdout %q, stderr %q; want what `neurona version` prints, %q", args, code, stdout, stderr, version)
		}
	}
}

// TestTrainHelpGroupsItsFlags: train --help (and so docs/commands.md)
// lists its flags under these headings, in that order, each flag once.
func TestTrainHelpGroupsItsFlags(t *testing.T) {
	code, help, _ := cliRun("train", "--help")
	if code != ExitOK {
		t.Fatalf("exit code %d", code)
	}
	groups := []struct {
		heading string
		flags   []string
	}{
		{"Model flags:", []string{"--model", "--hidden", "--activation", "--maxout-pieces", "--loss"}},
		{"Optimization flags:", []string{"--optimizer", "--lr", "--batch-size", "--epochs", "--seed"}},
		{"Stopping and model selection flags:", []string{"--patience", "--tol", "--restore-best"}},
		{"Data flags:", []string{"--data-dir", "--classes", "--val-split", "--drop-last"}},
		{"Run folder and checkpoints flags:", []string{"--run-dir", "--resume", "--save-every", "--keep-best"}},
		{"Performance and internals flags:", []string{"--backend", "--steps-per-call", "--loop", "--data-on-device"}},
		{"Configuration and output flags:", []string{"--config", "--print-config", "--progress"}},
		{"Global flags:", []string{"--pjrt-plugin"}},
	}
	at := 0
	for i, g := range groups {
		start := strings.Index(help, "\n"+g.heading+"\n")
		if start < at {
			t.Fatalf("no %q after the previous group in train --help:\n%s", g.heading, help)
		}
		end := len(help)
		if i+1 < len(groups) {
			if next := strings.Index(help[start+1:], "\n"+groups[i+1].heading); next >= 0 {
				end = start + 1 + next
			}
		}
		for _, f := range g.flags {
			if !regexp.MustCompile(`\n {6}` + f + ` `).MatchString(help[start:end]) {
				t.Errorf("%s is not under %q", f, g.heading)
			}
		}
		at = start
	}
	if strings.Contains(help, "no-restore-best") {
		t.Error("train --help lists the deprecated --no-restore-best")
	}
}

func TestDeprecatedSpellingsStillWork(t *testing.T) {
	t.Run("--no-restore-best is --restore-best=false, with a warning", func(t *testing.T) {
		code, stdout, stderr := cliRun("train", "--model", "perceptron", "--no-restore-best", "--print-config")
		if code != ExitOK || !strings.Contains(stdout, "restore-best: false\n") ||
			stderr != "neurona train: warning: --no-restore-best is deprecated; write --restore-best=false\n" {
			t.Errorf("exit code %d, stderr %q, stdout:\n%s", code, stderr, stdout)
		}
	})
	t.Run("--autodiff is accepted, hidden, and changes nothing", func(t *testing.T) {
		_, want, _ := cliRun("train", "--print-config")
		code, stdout, stderr := cliRun("train", "--autodiff", "--print-config")
		if code != ExitOK || stderr != "" || stdout != want || strings.Contains(stdout, "autodiff") {
			t.Errorf("exit code %d, stderr %q, stdout:\n%s\nwant the configuration without --autodiff:\n%s", code, stderr, stdout, want)
		}
		if _, help, _ := cliRun("train", "--help"); strings.Contains(help, "autodiff") {
			t.Error("train --help still shows --autodiff")
		}
	})
	t.Run("a config file written with autodiff still loads", func(t *testing.T) {
		for _, value := range []string{"true", "false"} {
			path := filepath.Join(t.TempDir(), "config.yaml")
			if err := os.WriteFile(path, []byte("batch-size: 64\nautodiff: "+value+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			code, stdout, stderr := cliRun("train", "--config", path, "--print-config")
			if code != ExitOK || stderr != "" || !strings.Contains(stdout, "batch-size: 64\n") || strings.Contains(stdout, "autodiff") {
				t.Errorf("autodiff: %s: exit code %d, stderr %q, stdout:\n%s", value, code, stderr, stdout)
			}
		}
		path := filepath.Join(t.TempDir(), "config.yaml")
		if err := os.WriteFile(path, []byte("autodiff: maybe\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if code, _, stderr := cliRun("train", "--config", path, "--print-config"); code != ExitUsage || !strings.Contains(stderr, "autodiff") {
			t.Errorf("autodiff: maybe: exit code %d, stderr %q; want a usage error naming the key", code, stderr)
		}
	})
	t.Run("bench --batch is --batch-size", func(t *testing.T) {
		o, err := parseBench([]string{"--batch", "16,32", "--backends", "go"}, testEnv(io.Discard))
		if err != nil || !slices.Equal(o.cfg.Batches, []int{16, 32}) {
			t.Errorf("options %+v, error %v; want batches 16 and 32", o, err)
		}
	})
}

// TestBenchFlags: bench's names mean what they mean elsewhere: --batch-size
// the examples per step (a list of them here), --json a switch for JSON on
// stdout, as for eval and predict; the file is --json-out.
func TestBenchFlags(t *testing.T) {
	o, err := parseBench([]string{"--batch-size", "32,128", "--json", "--json-out", "b.json", "--backends", "go"}, testEnv(io.Discard))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(o.cfg.Batches, []int{32, 128}) || !o.json || o.jsonOut != "b.json" || !slices.Equal(o.cfg.Backends, []string{"go"}) {
		t.Errorf("options %+v", o)
	}
	// Not given, the batch sizes include the model's own, so that --target
	// times the recipe train runs.
	o, err = parseBench([]string{"--backends", "go"}, testEnv(io.Discard))
	if err != nil || !slices.Equal(o.cfg.Batches, []int{32, 128, 512, 1024}) || o.json || o.jsonOut != "" {
		t.Errorf("defaults %+v, %v", o, err)
	}
	o, err = parseBench([]string{"--backends", "go", "--model", "perceptron"}, testEnv(io.Discard))
	if err != nil || !slices.Equal(o.cfg.Batches, []int{32, 128, 1024}) {
		t.Errorf("the perceptron's defaults %+v, %v", o, err)
	}
	for _, name := range []string{"eval", "predict", "checkpoints list", "backends"} {
		code, help, _ := cliRun(append(strings.Fields(name), "--help")...)
		if code != ExitOK || !regexp.MustCompile(`\n {6}--json {3,}`).MatchString(help) {
			t.Errorf("%s --help: --json is not a switch there:\n%s", name, help)
		}
	}
}

// TestBackendFromTheEnvironment: a bad $GOMLX_BACKEND is a bad command
// line like a bad --backend (exit 2), and the message says where the
// name came from.
func TestBackendFromTheEnvironment(t *testing.T) {
	t.Setenv(backend.EnvBackend, "foo")
	dir := filepath.Join(t.TempDir(), "run")
	if err := os.MkdirAll(filepath.Join(dir, "checkpoints"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"train", "--run-dir", dir},
		{"eval", dir},
		{"predict", dir, "--test-index", "0"},
		{"report", dir},
	} {
		code, _, stderr := cliRun(args...)
		if code != ExitUsage || !strings.Contains(stderr, `$GOMLX_BACKEND=foo: unknown backend "foo" (accepted: `) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%v with $GOMLX_BACKEND=foo: exit code %d, stderr %q", args, code, stderr)
		}
	}
	code, _, stderr := cliRun("train", "--backend", "foo")
	if code != ExitUsage || !strings.Contains(stderr, `--backend: unknown backend "foo"`) || strings.Contains(stderr, "GOMLX_BACKEND") {
		t.Errorf("--backend foo: exit code %d, stderr %q", code, stderr)
	}
	// --backend wins over the environment, as it always has.
	if _, err := parseTrain([]string{"--backend", "go"}, &env{stdout: io.Discard, stderr: io.Discard, getenv: func(string) string { return "foo" }}); err != nil {
		t.Errorf("--backend go with $GOMLX_BACKEND=foo: %v", err)
	}
}

// TestTrainProgressBarLines: with the progress bar on, every checkpoint
// line starts on a cleared line, never glued to the bar.
func TestTrainProgressBarLines(t *testing.T) {
	dataDir := fakeMNIST(t)
	code, stdout, stderr := cliRun("train", "--model", "perceptron", "--epochs", "2", "--steps-per-call", "1", "--save-every", "1",
		"--run-dir", filepath.Join(t.TempDir(), "run"), "--data-dir", dataDir, "--backend", "go", "--progress", "always")
	if code != ExitOK {
		t.Fatalf("exit code %d, stderr %q", code, stderr)
	}
	if !strings.Contains(stdout, "\r\033[Kepoch 1/2 [") || !strings.Contains(stdout, "\r\033[Kepoch 2/2 [") {
		t.Errorf("no bar naming the epoch:\n%q", stdout)
	}
	parts := strings.Split(stdout, "checkpoint ckpt-")
	if len(parts) < 3 {
		t.Fatalf("%d checkpoint lines, want one per step:\n%q", len(parts)-1, stdout)
	}
	for _, before := range parts[:len(parts)-1] {
		if !strings.HasSuffix(before, "\r\033[K") && !strings.HasSuffix(before, "\n") {
			t.Errorf("a checkpoint line follows %q on its line", before[max(0, len(before)-40):])
		}
	}
}
