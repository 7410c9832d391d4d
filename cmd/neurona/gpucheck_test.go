package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/neurona/neurona/data"
)

// TestGPUCheckWithoutAGPU runs .ci/gpu-check as on a machine without a GPU:
// it must finish within its budget, print a FAIL line with the reason for
// every check that needs the GPU, keep its partial results, and exit with
// the number of failed checks.
func TestGPUCheckWithoutAGPU(t *testing.T) {
	if _, err := exec.LookPath("nvidia-smi"); err == nil {
		t.Skip("this machine has nvidia-smi: run `make gpu-check` instead")
	}
	mnist, err := data.ModuleDataDir()
	if err != nil {
		t.Skipf("MNIST not available: %v", err)
	}
	out := filepath.Join(t.TempDir(), "out")
	keep := filepath.Join(out, "keep.txt") // gpu-check must not delete what it did not make
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keep, []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	const budget = 60 * time.Second
	cmd := exec.Command("bash", "../../.ci/gpu-check", binary, mnist)
	cmd.Env = append(os.Environ(), "OUT="+out, "BUDGET=60", "PATH=/usr/bin:/bin")
	start := time.Now()
	stdout, err := cmd.CombinedOutput()
	took := time.Since(start)
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		t.Fatalf("gpu-check: %v (want a non-zero exit: checks fail without a GPU)\n%s", err, stdout)
	}
	if took > budget+10*time.Second {
		t.Errorf("gpu-check took %s, over its %s budget", took, budget)
	}
	if _, err := os.Stat(keep); err != nil {
		t.Errorf("gpu-check removed a file it did not make: %v", err)
	}
	results, err := filepath.Glob(filepath.Join(out, "gpu-check.*", "results.txt"))
	if err != nil || len(results) != 1 {
		t.Fatalf("results.txt in a new folder under OUT: %v %v\n%s", results, err, stdout)
	}
	raw, err := os.ReadFile(results[0])
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	failed := 0
	for _, l := range lines {
		if strings.HasPrefix(l, "FAIL") {
			failed++
			if _, reason, _ := strings.Cut(l, ": "); strings.TrimSpace(reason) == "" {
				t.Errorf("a FAIL line without its reason: %q", l)
			}
		}
	}
	if exit.ExitCode() != failed {
		t.Errorf("exit %d, but %d FAIL lines", exit.ExitCode(), failed)
	}
	for _, want := range []string{
		"PASS  MNIST folder",
		"FAIL  NVIDIA GPU: no GPU",
		"PASS  smoke: --loop while trains (go)",
		"FAIL  default backend is xla:cuda: go; xla:cuda: no CUDA PJRT plugin found",
		"FAIL  MLP test accuracy >= 0.98 with defaults on xla:cuda: not run: xla:cuda is not the default backend",
		"FAIL  bench lists go and xla:cuda side by side: not run",
	} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("results lack %q:\n%s", want, raw)
		}
	}
	// Each line was printed as it came, not only at the end.
	if first := strings.Index(string(stdout), lines[0]); first < 0 || first > strings.Index(string(stdout), "+ [") {
		t.Errorf("the first result was not printed before the first step ran:\n%s", stdout)
	}
}
