package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/neurona/neurona/data"
)

// TestReferenceTable feeds .ci/reference-table the RESULT lines gpu-check
// collects and checks the table and the ratios (each above 1 where neurona
// is ahead), computed here from the same numbers.
func TestReferenceTable(t *testing.T) {
	const neurona = "RESULT framework=neurona version=v1.2 steps_per_s=11000 target=0.98 time_to_target_s=1.0 wall_s=10.5 process_s=12 test_acc=0.9802 compile_s=7.5"
	ratios := func(fw string, sps, tta, wall string) string {
		return fmt.Sprintf("neurona vs %s (above 1: neurona ahead): steps/s %s, time to 0.98 %s, wall %s", fw, sps, tta, wall)
	}
	x := func(v float64) string { return fmt.Sprintf("%.2fx", v) }
	for _, tc := range []struct {
		name, input string
		want        []string
		wantErr     bool
	}{
		{"a reference beside neurona, its process time preferred to its own wall time",
			neurona + "\nRESULT framework=jax version=0.11 device=NVIDIA_H200 steps_per_s=12000 target=0.98 time_to_target_s=0.27 wall_s=9.1 process_s=11.5 test_acc=0.981 compile_s=7.2\n",
			[]string{"time_to_0.98_s", ratios("jax", x(11000.0/12000), x(0.27/1.0), x(11.5/12))}, false},
		{"a reference without a process time gives its own wall time",
			neurona + "\nRESULT framework=torch steps_per_s=5000 time_to_target_s=6.3 wall_s=20\n",
			[]string{ratios("torch", x(11000.0/5000), x(6.3/1.0), x(20.0/12))}, false},
		{"a reference that missed the target gives no time ratio",
			neurona + "\nRESULT framework=torch steps_per_s=5000 time_to_target_s=- wall_s=20\n",
			[]string{ratios("torch", x(11000.0/5000), "-", x(20.0/12))}, false},
		{"a value that is not a number gives no ratio",
			neurona + "\nRESULT framework=jax steps_per_s=fast time_to_target_s=0.3 wall_s=1e1\n",
			[]string{ratios("jax", "-", x(0.3/1.0), x(10.0/12))}, false},
		{"log lines are ignored and a later line replaces an earlier one",
			"+ [200s] python3 jax_mlp.py\nRESULT framework=jax steps_per_s=12000 time_to_target_s=0.3 wall_s=9\nwarning: something\n" +
				neurona + "\nRESULT framework=jax steps_per_s=13000 time_to_target_s=0.25 wall_s=8\nRESULTS are in\n",
			[]string{ratios("jax", x(11000.0/13000), x(0.25/1.0), x(8.0/12))}, false},
		{"without neurona's line the references stand alone",
			"RESULT framework=jax steps_per_s=12000\n", []string{"jax", "no neurona line: no ratios"}, false},
		{"no RESULT line is an error", "nothing measured\n", []string{"no RESULT line"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command("bash", "../../.ci/reference-table")
			cmd.Stdin = strings.NewReader(tc.input)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			var exit *exec.ExitError
			if tc.wantErr != errors.As(err, &exit) {
				t.Fatalf("reference-table: %v (want an error: %v)\n%s%s", err, tc.wantErr, stdout.String(), stderr.String())
			}
			out := stdout.String() + stderr.String()
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

// TestReferenceScripts checks that bench/reference's Python compiles and
// passes its own tests (the IDX reader on MNIST's files, the schedule, the
// RESULT line), which need no JAX, PyTorch or numpy.
func TestReferenceScripts(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3 on this machine")
	}
	scripts := []string{"jax_mlp.py", "torch_mlp.py", "mnist_idx.py", "recipe.py", "test_reference.py"}
	env := append(os.Environ(), "PYTHONPYCACHEPREFIX="+t.TempDir(), "PYTHONDONTWRITEBYTECODE=1")
	compile := exec.Command(python, append([]string{"-m", "py_compile"}, scripts...)...)
	compile.Dir, compile.Env = "../../bench/reference", env
	if out, err := compile.CombinedOutput(); err != nil {
		t.Fatalf("py_compile: %v\n%s", err, out)
	}
	dir, mnistErr := data.ModuleDataDir()
	if mnistErr == nil {
		env = append(env, "MNIST_DIR="+dir)
	}
	unit := exec.Command(python, "-m", "unittest", "-v", "test_reference")
	unit.Dir, unit.Env = "../../bench/reference", env
	out, err := unit.CombinedOutput()
	if err != nil {
		t.Fatalf("the reference scripts' tests: %v\n%s", err, out)
	}
	if mnistErr == nil && !regexp.MustCompile(`(?m)^test_mnist_reads .* ok$`).Match(out) {
		t.Errorf("MNIST in %s was not read by the reference reader:\n%s", dir, out)
	}
}
