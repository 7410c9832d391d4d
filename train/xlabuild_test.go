package train

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/neurona/neurona/internal/xlatest"
	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train/config"
)

// xlaMatrix is every model configuration neurona trains: the perceptron and
// the MLP with each activation and loss, each with every optimizer (SGD
// with and without momentum) and schedule, in float32: 152 configurations;
// and each model in bfloat16 with its recipe's optimizer and schedule (the
// optimizers update float32 variables in either precision, so they need not
// be crossed with it): 19 more.
func xlaMatrix() []config.Config {
	var specs []models.Spec
	specs = append(specs, models.Spec{Name: models.Perceptron})
	for _, act := range models.Activations {
		for _, loss := range models.Losses {
			specs = append(specs, models.Spec{Name: models.MLP, Hidden: []int{8, 6}, Activation: act, Loss: loss})
		}
	}
	// SGD with and without momentum are different graphs.
	optimizers := []struct {
		name     string
		momentum float64
	}{{"sgd", 0}, {"sgd", 0.9}, {"adam", 0}, {"adamw", 0}}
	var out []config.Config
	for _, spec := range specs {
		spec.Inputs, spec.Classes = 12, 10
		for _, opt := range optimizers {
			for _, sched := range config.Schedules {
				cfg := config.Defaults(spec.Name)
				cfg.Model, cfg.Optimizer, cfg.Momentum, cfg.Schedule, cfg.BatchSize = spec, opt.name, opt.momentum, sched, 4
				if err := cfg.Validate(); err != nil {
					panic(err)
				}
				out = append(out, cfg)
			}
		}
	}
	for _, spec := range specs {
		spec.Inputs, spec.Classes = 12, 10
		cfg := config.Defaults(spec.Name)
		cfg.Model, cfg.Precision, cfg.BatchSize = spec, config.PrecisionBF16, 4
		if err := cfg.Validate(); err != nil {
			panic(err)
		}
		out = append(out, cfg)
	}
	return out
}

// xlaCalls names each call of a training program and compiles it on p.
// The sharded calls (Config.Shards) are built too: XLA's automatic shards
// are 1, but a run may ask for more, and a multi-device step would be
// built the same way.
var xlaCalls = []struct {
	name    string
	loop    string
	steps   int
	shards  int
	compile func(p *Program, rows int) error
}{
	{"one step", config.LoopWhile, 1, 1, compileHost},
	{"one step, resident data", config.LoopWhile, 1, 1, compileResident},
	{"unrolled", config.LoopUnroll, 3, 1, compileHost},
	{"unrolled, resident data", config.LoopUnroll, 3, 1, compileResident},
	{"While loop", config.LoopWhile, 3, 1, compileHost},
	{"While loop, resident data", config.LoopWhile, 3, 1, compileResident},
	{"one step in 2 shards", config.LoopWhile, 1, 2, compileHost},
	{"While loop in 3 uneven shards, resident data", config.LoopWhile, 3, 3, compileResident},
}

func compileHost(p *Program, rows int) error {
	_, err := p.trainExec.Compile(shapes.Make(dtypes.Uint8, rows, p.cfg.Model.Inputs), shapes.Make(dtypes.Int32, rows))
	return err
}

// residentRows is the size of the dataset kept on the device in the test.
const residentRows = 20

func compileResident(p *Program, rows int) error {
	_, err := p.residentExec.Compile(shapes.Make(dtypes.Uint8, residentRows, p.cfg.Model.Inputs),
		shapes.Make(dtypes.Int32, residentRows), shapes.Make(dtypes.Int32, rows))
	return err
}

// built checks that err is the harness's "built, not compiled" and nothing
// else.
func built(t *testing.T, what string, err error) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: compiled without error on a backend that cannot compile: the harness did not run", what)
	} else if !strings.Contains(err.Error(), xlatest.ErrBuilt.Error()) {
		t.Errorf("%s does not build for XLA: %v", what, err)
	}
}

// TestEveryProgramBuildsForXLA builds each program neurona compiles through
// go-xla's StableHLO builder (as on xla:cuda), for every configuration of
// xlaMatrix: the training call with one step, unrolled steps and a While
// loop, on host batches and on resident data; the eval and predict calls;
// and the variables' initializer. The Go backend accepts graphs that go-xla
// refuses (a closure reading a value of the main function), so the Go
// backend's tests cannot catch those. Where mlir-opt is installed, the
// programs' text is also parsed and verified by it.
func TestEveryProgramBuildsForXLA(t *testing.T) {
	backend, err := xlatest.New("cuda")
	if err != nil {
		t.Fatal(err)
	}
	var programs []xlatest.Program
	for _, cfg := range xlaMatrix() {
		for _, call := range xlaCalls {
			cfg := cfg
			cfg.Loop, cfg.StepsPerCall, cfg.Shards = call.loop, call.steps, call.shards
			name := fmt.Sprintf("%s %s %s %s/%s", cfg.Model, cfg.PrecisionName(), cfg.Optimizer, cfg.Schedule, call.name)
			m, err := models.New(cfg.Model)
			if err != nil {
				t.Fatal(err)
			}
			backend.SetLabel(name)
			p, err := newProgram(backend, cfg, m, 100)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			built(t, name, call.compile(p, call.steps*cfg.BatchSize))
			if call.steps == 1 && call.compile != nil && call.name == "one step" {
				// The eval, predict and initializer programs are the same for
				// every call; build them once per configuration.
				built(t, name+": eval call", compileEval(p))
				tr, err := newTrained(p)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				_, err = tr.predict.Compile(shapes.Make(dtypes.Uint8, EvalBatchSize, cfg.Model.Inputs))
				built(t, name+": predict call", err)
				built(t, name+": initializer", p.store.InitializeVariables(backend, nil))
			}
		}
	}
	programs = backend.Programs()
	if want := len(xlaMatrix()) * (len(xlaCalls) + 3); len(programs) != want && !t.Failed() {
		t.Errorf("built %d programs, want %d", len(programs), want)
	}
	bf16Programs, bf16Configs := 0, 0
	for _, cfg := range xlaMatrix() {
		if cfg.BF16() {
			bf16Configs++
		}
	}
	for _, p := range programs {
		if err := xlatest.CheckIsolated(p.Text); err != nil {
			t.Errorf("%s (%s): %v", p.Label, p.Name, err)
		}
		// A bfloat16 program computes in bfloat16: its products are on
		// bf16 tensors (its initializer has only float32 variables).
		if strings.Contains(p.Label, " "+config.PrecisionBF16+" ") && !strings.Contains(p.Name, "VariableInitialization") {
			bf16Programs++
			if !strings.Contains(p.Text, "xbf16>") {
				t.Errorf("%s (%s): a bf16 program with no bf16 tensor", p.Label, p.Name)
			}
		}
	}
	if want := bf16Configs * (len(xlaCalls) + 2); bf16Programs != want && !t.Failed() {
		t.Errorf("checked %d bf16 programs for bf16 tensors, want %d (every call but the initializer)", bf16Programs, want)
	}
	t.Logf("%d programs built for XLA", len(programs))
	verifyWithMLIROpt(t, programs)
}

func compileEval(p *Program) error {
	_, err := p.evalExec.Compile(shapes.Make(dtypes.Uint8, EvalBatchSize, p.cfg.Model.Inputs), shapes.Make(dtypes.Int32, EvalBatchSize))
	return err
}

// mlirOpt finds Debian's mlir-opt (package mlir-19-tools or another
// version), or returns "".
func mlirOpt() string {
	if path, err := exec.LookPath("mlir-opt"); err == nil {
		return path
	}
	matches, _ := filepath.Glob("/usr/lib/llvm-*/bin/mlir-opt")
	if len(matches) > 0 {
		return matches[len(matches)-1]
	}
	return ""
}

// verifyWithMLIROpt runs each program's text through mlir-opt, which parses
// it and verifies its structure (SSA form, regions, types). StableHLO's
// dialect is not in upstream MLIR, so its ops are accepted as unregistered
// ones: their own semantics are not checked, only the program's form.
func verifyWithMLIROpt(t *testing.T, programs []xlatest.Program) {
	opt := mlirOpt()
	if opt == "" && os.Getenv("CI") != "" {
		t.Fatal("mlir-opt not installed, and CI must run this check (.ci/run installs Debian's mlir-19-tools)")
	}
	if opt == "" {
		t.Log("mlir-opt not installed (Debian: apt-get install mlir-19-tools): StableHLO text not verified")
		return
	}
	// One file, the programs separated as --split-input-file expects: one
	// mlir-opt process instead of one per program.
	var all strings.Builder
	for i, p := range programs {
		if i > 0 {
			all.WriteString("\n// -----\n")
		}
		fmt.Fprintf(&all, "// %s (%s)\n%s", p.Label, p.Name, p.Text)
	}
	file := filepath.Join(t.TempDir(), "programs.mlir")
	if err := os.WriteFile(file, []byte(all.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(opt, "--allow-unregistered-dialect", "--split-input-file", "--verify-each", file, "-o", os.DevNull).CombinedOutput()
	if err != nil {
		if len(out) > 4000 {
			out = out[:4000]
		}
		t.Fatalf("mlir-opt rejects the programs: %v\n%s", err, out)
	}
	t.Logf("mlir-opt (%s) verified %d programs", opt, len(programs))
}
