package train

import (
	"fmt"
	"testing"

	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/neurona/neurona/internal/xlatest"
	"github.com/neurona/neurona/models"
)

// TestGroupStepBuildsForXLA builds a group's step (3 members with other
// rates, weight decays, warm-ups and seeds, in the one chunk a group has
// on XLA, gathering their batches from resident data; with and without
// the mask of members that sit a step out) through go-xla's StableHLO
// builder, as on xla:cuda, for every configuration of xlaMatrix that can
// train in a group, and verifies the programs with mlir-opt where
// installed. (Chunks of members exist on the Go backend only: groupChunks.)
func TestGroupStepBuildsForXLA(t *testing.T) {
	backend, err := xlatest.New("cuda")
	if err != nil {
		t.Fatal(err)
	}
	const trials, batch = 3, 4
	configs := 0
	for _, cfg := range xlaMatrix() {
		if key, _ := GroupKey(cfg); key == "" {
			continue
		}
		configs++
		m, err := models.New(cfg.Model)
		if err != nil {
			t.Fatal(err)
		}
		var programs []*Program
		for i := range trials {
			c := cfg
			c.Backend = "xla:cuda"
			c = memberConfig(c) // the data on the device, as members on XLA keep it
			c.LR, c.Seed, c.Warmup = cfg.LR*float64(i+1), uint64(i+1), float64(i)*0.5
			if c.Optimizer == "adamw" || c.Optimizer == "adam" {
				c.WeightDecay = float64(i) * 0.01
			}
			p, err := newProgram(backend, c, m, 100)
			if err != nil {
				t.Fatal(err)
			}
			p.warmupSteps = i * 5
			if _, err := p.stepVariables(batch); err != nil { // creates the variables a step uses
				t.Fatal(err)
			}
			programs = append(programs, p)
		}
		step := newGroupStep(programs)
		if !step.resident {
			t.Fatalf("%s: the group step on XLA does not gather its batches from resident data", cfg.Model)
		}
		vars := storeByPath(programs[0].store)
		for _, chunks := range [][]int{{trials}} {
			for _, masked := range []bool{false, true} {
				var trial []shapes.Shape
				for _, name := range step.names {
					trial = append(trial, vars[name].Shape())
				}
				in := step.inputShapes(chunks, trial, 3*batch, batch, masked)
				name := fmt.Sprintf("%s %s %s group of %d in chunks %v (masked %v)", cfg.Model, cfg.Optimizer, cfg.Schedule, trials, chunks, masked)
				backend.SetLabel(name)
				exec, err := graph.NewExec(backend, step.build(chunks, masked))
				if err != nil {
					t.Fatal(err)
				}
				_, err = exec.Compile(in...)
				built(t, name, err)
			}
		}
	}
	programs := backend.Programs()
	if len(programs) != 2*configs || configs == 0 {
		t.Errorf("built %d group programs for %d configurations, want 2 each", len(programs), configs)
	}
	t.Logf("%d group programs built for XLA", len(programs))
	verifyWithMLIROpt(t, programs)
}
