package sweep

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
)

// Trial is one run of a sweep: an ordinary `neurona train` run in the
// folder Name under the sweep's, with Args.
type Trial struct {
	Name string   `json:"name"` // "trial-001"
	Args []string `json:"args"` // train flags as --flag=value, without --run-dir
	// Settings are the values of the swept flags, by flag name (--hidden
	// as train takes it: "512,512").
	Settings map[string]string `json:"settings"`
}

// Swept lists the flags s varies, in the order given (the random search's
// --hidden-width and --hidden-layers count as one, "hidden").
func (s Spec) Swept() []string {
	var out []string
	hidden := false
	for _, p := range s.Params {
		switch {
		case p.Flag == HiddenWidth || p.Flag == HiddenLayers:
			if !hidden && (s.param(HiddenWidth).Swept() || s.param(HiddenLayers).Swept()) {
				out, hidden = append(out, "hidden"), true
			}
		case p.Swept():
			out = append(out, p.Flag)
		}
	}
	return out
}

// param returns s's parameter for flag, or the zero Param.
func (s Spec) param(flag string) Param {
	for _, p := range s.Params {
		if p.Flag == flag {
			return p
		}
	}
	return Param{}
}

// Plan returns s's trials: every combination of the choices, the first
// flag varying slowest, or Random trials drawn from Seed (the same seed
// draws the same trials), no two alike. It checks s first: nothing is
// allocated for a specification beyond the package's limits.
func (s Spec) Plan() ([]Trial, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	n, err := s.Trials()
	if err != nil {
		return nil, err
	}
	swept := map[string]bool{}
	for _, f := range s.Swept() {
		swept[f] = true
	}
	var drawn [][]string
	if s.Random > 0 {
		if drawn, err = s.drawDistinct(rand.New(rand.NewPCG(s.Seed, 0x5eed)), n); err != nil {
			return nil, err
		}
	}
	trials := make([]Trial, n)
	for i := range trials {
		values := make([]string, len(s.Params))
		if s.Random > 0 {
			values = drawn[i]
		} else {
			rest := i
			for j := len(s.Params) - 1; j >= 0; j-- {
				k := len(s.Params[j].Choices)
				values[j] = s.Params[j].Choices[rest%k]
				rest /= k
			}
		}
		trials[i] = s.trial(i, values, swept)
	}
	return trials, nil
}

// trial builds trial i from one value per parameter.
func (s Spec) trial(i int, values []string, swept map[string]bool) Trial {
	t := Trial{Name: fmt.Sprintf("trial-%03d", i+1), Settings: map[string]string{}}
	width, layers := "", "1"
	for j, p := range s.Params {
		switch p.Flag {
		case HiddenWidth:
			width = values[j]
			continue
		case HiddenLayers:
			layers = values[j]
			continue
		}
		t.Args = append(t.Args, "--"+p.Flag+"="+values[j])
		if swept[p.Flag] {
			t.Settings[p.Flag] = values[j]
		}
	}
	if width != "" {
		k, _ := strconv.Atoi(layers) // checked by ParseArgs
		hidden := strings.TrimSuffix(strings.Repeat(width+",", k), ",")
		t.Args = append(t.Args, "--hidden="+hidden)
		if swept["hidden"] {
			t.Settings["hidden"] = hidden
		}
	}
	return t
}
