package train

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train/backend"
)

// gradVariants are the ways a step gets its gradients that
// TestGradientSpeedInterleaved compares; a variant's mutate sets them.
var gradVariants = []struct {
	name   string
	mutate func(*Config)
}{
	{"hand", func(c *Config) { c.Autodiff = false; models.ExperimentCustomProduct = false }},
	{"custom", func(c *Config) { c.Autodiff = true; models.ExperimentCustomProduct = true }},
	{"autodiff", func(c *Config) { c.Autodiff = true; models.ExperimentCustomProduct = false }},
}

// TestGradientSpeedInterleaved (only with NEURONA_GRADSPEED=rounds) times
// the training step of each variant in gradVariants round after round, the
// variants of a case one after the other in a rotating order, so that the
// shared machine's load falls on all of them alike; it prints steps/s
// (min/median/max) and each variant's ratio to the last one per round.
func TestGradientSpeedInterleaved(t *testing.T) {
	rounds, _ := strconv.Atoi(os.Getenv("NEURONA_GRADSPEED"))
	if rounds == 0 {
		t.Skip("a measurement: set NEURONA_GRADSPEED to the number of rounds")
	}
	type bcase struct {
		model, layout string
		batch, calls  int
	}
	cases := []bcase{
		{models.MLP, models.LayoutOutputsInputs, 512, 8},
		{models.MLP, models.LayoutInputsOutputs, 512, 8},
		{models.Perceptron, "", 32, 1000},
	}
	type prog struct {
		run func() error
	}
	progs := make([][]func() error, len(cases))
	for ci, c := range cases {
		cfg := Defaults(c.model)
		cfg.BatchSize, cfg.StepsPerCall = c.batch, 1
		if c.model == models.MLP {
			cfg.Model.Layout = c.layout
		}
		if err := cfg.Validate(); err != nil {
			t.Fatal(err)
		}
		engine, _, err := backend.New(backend.GoFor(cfg.Model))
		if err != nil {
			t.Fatal(err)
		}
		defer engine.Finalize()
		inputs := cfg.Model.Inputs
		pixels := make([]uint8, c.batch*inputs)
		for i := range pixels {
			pixels[i] = uint8(i * 7)
		}
		labels := make([]int32, c.batch)
		for i := range labels {
			labels[i] = int32(i % 10)
		}
		for _, v := range gradVariants {
			vc := cfg
			v.mutate(&vc)
			m, err := models.New(vc.Model)
			if err != nil {
				t.Fatal(err)
			}
			p, err := newProgram(engine, vc, m, 1000)
			if err != nil {
				t.Fatal(err)
			}
			call := func() error {
				x, y := tensors.FromFlatDataAndDimensions(pixels, c.batch, inputs), tensors.FromFlatDataAndDimensions(labels, c.batch)
				_, _, err := run(p.trainExec, x, y)
				return err
			}
			for range 3 { // compile and warm up
				if err := call(); err != nil {
					t.Fatal(err)
				}
			}
			progs[ci] = append(progs[ci], call)
		}
	}
	nv := len(gradVariants)
	rates := make([][][]float64, len(cases)) // [case][variant][round]
	for ci := range cases {
		rates[ci] = make([][]float64, nv)
	}
	for r := range rounds {
		for ci, c := range cases {
			for k := range nv {
				vi := (k + r) % nv
				start := time.Now()
				for range c.calls {
					if err := progs[ci][vi](); err != nil {
						t.Fatal(err)
					}
				}
				rates[ci][vi] = append(rates[ci][vi], float64(c.calls)/time.Since(start).Seconds())
			}
		}
	}
	stats := func(v []float64) string {
		s := slices.Clone(v)
		slices.Sort(s)
		return fmt.Sprintf("%.3g / %.3g / %.3g", s[0], s[len(s)/2], s[len(s)-1])
	}
	for ci, c := range cases {
		name := fmt.Sprintf("%s %s batch %d", c.model, c.layout, c.batch)
		for vi, v := range gradVariants {
			ratio := make([]float64, rounds)
			for r := range rounds {
				ratio[r] = rates[ci][vi][r] / rates[ci][nv-1][r]
			}
			fmt.Printf("%-40s %-10s steps/s min/med/max %s   ratio to %s %s\n", name, v.name, stats(rates[ci][vi]), gradVariants[nv-1].name, stats(ratio))
		}
	}
}

func init() { models.ExperimentCustomProduct = os.Getenv("NEURONA_CUSTOM") == "1" }
