package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/neurona/neurona/data"
)

// binary is the neurona binary built once for the end-to-end tests.
var binary string

func TestMain(m *testing.M) {
	runAsNeurona() // a crash test's training process
	dir, err := os.MkdirTemp("", "neurona-e2e-")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "neurona")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		panic("build neurona: " + err.Error())
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// train runs `neurona train args...` into a fresh run folder and returns
// its summary.json.
func trainRun(t *testing.T, args ...string) map[string]any {
	t.Helper()
	if _, err := data.ModuleDataDir(); err != nil {
		t.Skipf("MNIST not available: %v", err)
	}
	runDir := filepath.Join(t.TempDir(), "run")
	cmd := exec.Command(binary, append([]string{"train", "--run-dir", runDir}, args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("neurona train %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	t.Logf("neurona train %s:\n%s", strings.Join(args, " "), out)
	raw, err := os.ReadFile(filepath.Join(runDir, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	var summary map[string]any
	if err := json.Unmarshal(raw, &summary); err != nil {
		t.Fatal(err)
	}
	return summary
}

func TestEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("trains on full MNIST")
	}
	tests := []struct {
		name    string
		args    []string
		minTest float64
	}{
		// The acceptance: the default recipe (what `make run` trains).
		{"the default mlp reaches 0.98", nil, 0.98},
		// scikit-learn's Perceptron(max_iter=2000, random_state=40) gets 0.879;
		// the averaged perceptron's defaults are to reach 0.90.
		{"the perceptron with its defaults beats scikit-learn's", []string{"--model", "perceptron"}, 0.90},
		{"the perceptron learns online with batch 1", []string{"--model", "perceptron", "--batch-size", "1", "--steps-per-call", "50", "--epochs", "1", "--restore-best=false"}, 0.85},
		{"a small mlp learns in two epochs", []string{"--hidden", "128", "--epochs", "2"}, 0.93},
		{"a tanh mlp with sgd and momentum learns", []string{"--hidden", "32", "--activation", "tanh", "--optimizer", "sgd", "--lr", "0.05", "--momentum", "0.9", "--epochs", "1", "--batch-size", "128"}, 0.92},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := trainRun(t, tc.args...)
			acc, _ := s["test_accuracy"].(float64)
			if acc < tc.minTest {
				t.Errorf("test accuracy %.4f, want >= %.2f", acc, tc.minTest)
			}
			if s["backend"] == "" || s["parameters"].(float64) <= 0 {
				t.Errorf("summary lacks backend or parameters: %v", s)
			}
		})
	}
}

func TestBadFlagsExitTwoWithOneLine(t *testing.T) {
	cmd := exec.Command(binary, "train", "--batch-size", "0")
	out, err := cmd.CombinedOutput()
	exit, ok := err.(*exec.ExitError)
	if !ok || exit.ExitCode() != 2 {
		t.Fatalf("exit = %v, want 2; output:\n%s", err, out)
	}
	if lines := strings.Split(strings.TrimSpace(string(out)), "\n"); len(lines) != 1 {
		t.Errorf("want one line, got:\n%s", out)
	}
}
