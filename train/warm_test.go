package train

import (
	"fmt"
	"strings"
	"testing"

	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train/config"
)

// TestCompileInitializesTheVariables checks that Compile leaves nothing to
// the first training call: every variable has its value (GoMLX would
// otherwise build, compile and run its initialization program inside that
// call), the resident dataset is on the device, each part is timed, and
// the first call creates no variable.
func TestCompileInitializesTheVariables(t *testing.T) {
	m := smallMNIST(t, 600, 100)
	for _, tc := range []struct {
		name     string
		model    string
		onDevice bool
	}{
		{"the MLP with its data on the host", models.MLP, false},
		{"the MLP with its data resident on the device", models.MLP, true},
		{"the averaged perceptron, whose averages are variables too", models.Perceptron, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := config.Defaults(tc.model)
			if tc.model == models.MLP {
				cfg.Model.Hidden = []int{16}
			}
			cfg.Epochs, cfg.BatchSize, cfg.StepsPerCall, cfg.DataOnDevice = 1, 50, 2, tc.onDevice
			if err := cfg.Validate(); err != nil {
				t.Fatal(err)
			}
			b, name := newGoBackend(t)
			cfg.Backend = name
			spec, err := models.New(cfg.Model)
			if err != nil {
				t.Fatal(err)
			}
			p, err := Compile(b, cfg, spec, m.Train, allIndices(m.Train.N), ProgramOptions{})
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()

			var vars, missing []string
			for v := range p.store.IterVariables() {
				vars = append(vars, v.Path())
				if !v.HasValue() {
					missing = append(missing, v.Path())
				}
			}
			if len(vars) == 0 || len(missing) > 0 {
				t.Fatalf("after Compile, %d variables, without a value: %s", len(vars), strings.Join(missing, ", "))
			}
			if tc.onDevice && (!p.residentX.IsOnAnyDevice() || !p.residentY.IsOnAnyDevice()) {
				t.Errorf("the resident dataset is not on the device after Compile")
			}
			if tm := p.Timing(); tm.Compile <= 0 || tm.Init <= 0 || tm.Warmup <= 0 {
				t.Errorf("timing %+v: every part should have taken some time", tm)
			}

			for batch, err := range p.Batches().Epoch(0) {
				if err != nil {
					t.Fatal(err)
				}
				if _, _, err := p.TrainCall(batch); err != nil {
					t.Fatal(err)
				}
				break
			}
			n := 0
			for range p.store.IterVariables() {
				n++
			}
			if n != len(vars) {
				t.Errorf("the first training call made %d variables more", n-len(vars))
			}
		})
	}
}

// TestRunReportsInitializationApart checks that a run's Compiled event and
// summary give the variables' initialization and the warm-up apart from
// compilation.
func TestRunReportsInitializationApart(t *testing.T) {
	m := smallMNIST(t, 600, 100)
	cfg := config.Defaults(models.MLP)
	cfg.Model.Hidden = []int{16}
	cfg.Epochs, cfg.BatchSize = 1, 100
	s, _, out, err := runWith(t, cfg, m, Options{})
	if err != nil {
		t.Fatalf("Run: %v\n%s", err, out)
	}
	want := fmt.Sprintf("CompileSeconds:%v InitSeconds:%v WarmupSeconds:%v ", s.CompileSeconds, s.InitSeconds, s.WarmupSeconds)
	if !strings.Contains(out, want) {
		t.Errorf("no Compiled event with the summary's timings (%s) in:\n%s", want, out)
	}
	if s.InitSeconds <= 0 || s.WarmupSeconds <= 0 || s.CompileSeconds <= 0 {
		t.Errorf("summary: compile %gs, init %gs, warm-up %gs; each should be > 0", s.CompileSeconds, s.InitSeconds, s.WarmupSeconds)
	}
}

// TestInitializeGivesEveryVariableItsValue checks initialize on its own:
// after the calls are compiled the variables exist without values (GoMLX
// would give them at the first execution), and initialize gives them all,
// without running any call.
func TestInitializeGivesEveryVariableItsValue(t *testing.T) {
	cfg := config.Defaults(models.MLP)
	cfg.Model.Hidden = []int{16}
	cfg.BatchSize = 50
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	b, name := newGoBackend(t)
	cfg.Backend = name
	spec, err := models.New(cfg.Model)
	if err != nil {
		t.Fatal(err)
	}
	p, err := newProgram(b, cfg, spec, 10)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.compile([]int{cfg.BatchSize}); err != nil {
		t.Fatal(err)
	}
	without := func() (n, missing int) {
		for v := range p.store.IterVariables() {
			n++
			if !v.HasValue() {
				missing++
			}
		}
		return n, missing
	}
	if n, missing := without(); n == 0 || missing == 0 {
		t.Fatalf("before initialize: %d variables, %d without a value; want some without", n, missing)
	}
	if err := p.initialize(); err != nil {
		t.Fatal(err)
	}
	if n, missing := without(); missing > 0 {
		t.Errorf("after initialize: %d of %d variables without a value", missing, n)
	}
}
