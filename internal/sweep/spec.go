package sweep

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// ErrSpec is wrapped by every error about a sweep's specification.
var ErrSpec = errors.New("sweep: bad specification")

// Limits that keep a specification from asking for more than a sweep can
// ever run, before anything is allocated for it.
const (
	MaxTrials   = 10_000 // trials of one sweep, grid or random
	maxChoices  = 1_000  // alternatives of one flag
	maxLayers   = 64     // hidden layers of one alternative (models.MaxHiddenLayers)
	maxFlagArgs = 256    // flags of one specification
)

// Param is one train flag of a sweep: fixed (one choice), a list of
// choices (a grid axis, or sampled from with --random), or a range sampled
// with --random.
type Param struct {
	Flag    string   `json:"flag"`              // without dashes: "lr"
	Choices []string `json:"choices,omitempty"` // values as train takes them
	Range   *Range   `json:"range,omitempty"`
}

// Swept reports whether p takes more than one value.
func (p Param) Swept() bool { return p.Range != nil || len(p.Choices) > 1 }

// Range is "lo:hi" (uniform) or "lo:hi:log" (log-uniform) for --random;
// Int when both bounds are integers, so samples are too.
type Range struct {
	Lo  float64 `json:"lo"`
	Hi  float64 `json:"hi"`
	Log bool    `json:"log,omitempty"`
	Int bool    `json:"int,omitempty"`
}

// Spec is what a sweep runs: its parameters, in the order given, and for
// a random search the number of trials and the seed that draws them.
type Spec struct {
	Params []Param `json:"params"`
	Random int     `json:"random,omitempty"` // 0: the grid of every combination
	Seed   uint64  `json:"seed"`
}

// Flags says what the sweep may do with a train flag: Kind returns
// whether the flag exists and whether a sweep may vary it (a flag such as
// --data-dir may be fixed, but not swept); Never names flags a sweep
// manages itself (--run-dir, --resume), which it refuses outright.
type Flags struct {
	Known     func(name string) bool
	FixedOnly map[string]bool
	Never     map[string]bool
}

// Pseudo flags of a random search that are not train flags: the width and
// depth of the hidden layers, drawn apart and given to train as --hidden.
const (
	HiddenWidth  = "hidden-width"
	HiddenLayers = "hidden-layers"
)

// ParseArgs parses the train flags of a sweep, "--flag value" or
// "--flag=value" each, into a Spec of random trials (random > 0) or of the
// grid. Values are comma-separated choices; a --hidden choice is layer
// widths joined by "+", with "WxN" for N layers of width W and "none" for
// no hidden layer (--hidden 256,512x2,128+64). With random > 0 a value may
// be a range lo:hi or lo:hi:log, and --hidden-width and --hidden-layers
// ranges draw --hidden. Errors wrap ErrSpec and name the flag.
func ParseArgs(args []string, flags Flags, random int, seed uint64) (Spec, error) {
	if random < 0 || random > MaxTrials {
		return Spec{}, fmt.Errorf("%w: --random %d (must be 1 to %d, or 0 for the grid)", ErrSpec, random, MaxTrials)
	}
	if len(args) > 2*maxFlagArgs {
		return Spec{}, fmt.Errorf("%w: %d arguments (at most %d flags)", ErrSpec, len(args), maxFlagArgs)
	}
	s := Spec{Random: random, Seed: seed}
	seen := map[string]bool{}
	for i := 0; i < len(args); i++ {
		arg := args[i]
		name, value, hasValue := strings.Cut(strings.TrimPrefix(arg, "--"), "=")
		if !strings.HasPrefix(arg, "--") || name == "" {
			return Spec{}, fmt.Errorf("%w: unexpected argument %q (want --flag value)", ErrSpec, arg)
		}
		if !hasValue {
			if i+1 == len(args) || strings.HasPrefix(args[i+1], "--") {
				return Spec{}, fmt.Errorf("%w: --%s has no value (booleans too: --%s true or --%s true,false)", ErrSpec, name, name, name)
			}
			i++
			value = args[i]
		}
		if seen[name] {
			return Spec{}, fmt.Errorf("%w: --%s given twice (give its choices as one list: --%s a,b)", ErrSpec, name, name)
		}
		seen[name] = true
		p, err := parseParam(name, value, flags, random > 0)
		if err != nil {
			return Spec{}, err
		}
		s.Params = append(s.Params, p)
	}
	if seen[HiddenWidth] || seen[HiddenLayers] {
		if seen["hidden"] {
			return Spec{}, fmt.Errorf("%w: --hidden and --%s/--%s: give the layers one way", ErrSpec, HiddenWidth, HiddenLayers)
		}
		if !seen[HiddenWidth] {
			return Spec{}, fmt.Errorf("%w: --%s needs --%s (the width of the layers)", ErrSpec, HiddenLayers, HiddenWidth)
		}
	}
	if n, err := s.Trials(); err != nil {
		return Spec{}, err
	} else if n == 1 && random == 0 {
		return Spec{}, fmt.Errorf("%w: nothing is swept (give some flag two or more choices, e.g. --lr 1e-3,3e-3)", ErrSpec)
	}
	return s, nil
}

// parseParam parses one flag's value.
func parseParam(name, value string, flags Flags, random bool) (Param, error) {
	pseudo := name == HiddenWidth || name == HiddenLayers
	switch {
	case flags.Never[name]:
		return Param{}, fmt.Errorf("%w: --%s cannot be given to a sweep (it places and resumes each trial itself)", ErrSpec, name)
	case pseudo && !random:
		return Param{}, fmt.Errorf("%w: --%s is for --random searches (in a grid, list the layers: --hidden 256,512x2)", ErrSpec, name)
	case !pseudo && (flags.Known == nil || !flags.Known(name)):
		return Param{}, fmt.Errorf("%w: unknown flag --%s (any flag of `neurona train` may be given; see `neurona train --help`)", ErrSpec, name)
	}
	p := Param{Flag: name}
	if !random && !strings.Contains(value, ",") {
		if _, err := parseRange(name, value); err == nil {
			return Param{}, fmt.Errorf("%w: --%s %s is a range; ranges need --random N", ErrSpec, name, value)
		}
	}
	if random && strings.Count(value, ":") >= 1 && !strings.Contains(value, ",") {
		r, err := parseRange(name, value)
		if err != nil {
			return Param{}, err
		}
		p.Range = &r
	} else {
		choices, err := parseChoices(name, value)
		if err != nil {
			return Param{}, err
		}
		p.Choices = choices
	}
	if p.Swept() && flags.FixedOnly[name] {
		return Param{}, fmt.Errorf("%w: --%s takes one value in a sweep (every trial uses the same)", ErrSpec, name)
	}
	if pseudo && p.Range == nil {
		for _, c := range p.Choices {
			if n, err := strconv.Atoi(c); err != nil || n < 1 {
				return Param{}, fmt.Errorf("%w: --%s %q (want whole numbers >= 1, or a range such as 64:1024)", ErrSpec, name, c)
			}
		}
	}
	if pseudo && p.Range != nil && (!p.Range.Int || p.Range.Lo < 1) {
		return Param{}, fmt.Errorf("%w: --%s %s (want whole numbers >= 1, such as 64:1024)", ErrSpec, name, value)
	}
	return p, nil
}

// parseChoices splits a comma list, translating --hidden's layer syntax.
func parseChoices(name, value string) ([]string, error) {
	parts := strings.Split(value, ",")
	if len(parts) > maxChoices {
		return nil, fmt.Errorf("%w: --%s has %d choices (at most %d)", ErrSpec, name, len(parts), maxChoices)
	}
	out := make([]string, 0, len(parts))
	for _, part := range parts {
		c := strings.TrimSpace(part)
		if c == "" {
			return nil, fmt.Errorf("%w: --%s %q has an empty choice", ErrSpec, name, value)
		}
		if name == "hidden" {
			layers, err := parseLayers(c)
			if err != nil {
				return nil, fmt.Errorf("%w: --hidden %q: %v", ErrSpec, c, err)
			}
			c = layers
		}
		if slices.Contains(out, c) {
			return nil, fmt.Errorf("%w: --%s lists %q twice", ErrSpec, name, part)
		}
		out = append(out, c)
	}
	return out, nil
}

// parseLayers turns one --hidden choice ("512x2", "128+64", "none") into
// train's --hidden value ("512,512", "128,64", "").
func parseLayers(c string) (string, error) {
	if c == "none" {
		return "", nil
	}
	var widths []string
	for _, group := range strings.Split(c, "+") {
		w, n, repeated := strings.Cut(group, "x")
		count := 1
		if repeated {
			k, err := strconv.Atoi(n)
			if err != nil || k < 1 || k > maxLayers {
				return "", fmt.Errorf("%q: want WIDTHxLAYERS with 1 to %d layers, e.g. 512x2", group, maxLayers)
			}
			count = k
		}
		if width, err := strconv.Atoi(w); err != nil || width < 1 {
			return "", fmt.Errorf("%q: want layer widths >= 1 joined by + (128+64), WIDTHxLAYERS (512x2) or none", group)
		}
		if len(widths)+count > maxLayers {
			return "", fmt.Errorf("more than %d layers", maxLayers)
		}
		for range count {
			widths = append(widths, w)
		}
	}
	return strings.Join(widths, ","), nil
}

// parseRange parses lo:hi or lo:hi:log.
func parseRange(name, value string) (Range, error) {
	parts := strings.Split(value, ":")
	bad := func(why string) (Range, error) {
		return Range{}, fmt.Errorf("%w: --%s %s: %s (want lo:hi or lo:hi:log, e.g. 1e-4:1e-2:log)", ErrSpec, name, value, why)
	}
	if len(parts) < 2 || len(parts) > 3 || (len(parts) == 3 && parts[2] != "log") {
		return bad("not a range")
	}
	lo, err1 := strconv.ParseFloat(parts[0], 64)
	hi, err2 := strconv.ParseFloat(parts[1], 64)
	switch {
	case err1 != nil || err2 != nil || math.IsNaN(lo) || math.IsNaN(hi) || math.IsInf(lo, 0) || math.IsInf(hi, 0):
		return bad("the bounds are not numbers")
	case lo > hi:
		return bad("min > max")
	case lo == hi:
		return bad("min = max (give one value instead)")
	}
	r := Range{Lo: lo, Hi: hi, Log: len(parts) == 3}
	if r.Log && lo <= 0 {
		return bad("a log range needs min > 0")
	}
	_, e1 := strconv.Atoi(parts[0])
	_, e2 := strconv.Atoi(parts[1])
	r.Int = e1 == nil && e2 == nil
	return r, nil
}

// Trials returns how many trials s makes: --random's count, or the
// product of the choices of every flag, refused beyond MaxTrials.
func (s Spec) Trials() (int, error) {
	if s.Random > 0 {
		return s.Random, nil
	}
	n := 1
	for _, p := range s.Params {
		if p.Range != nil {
			return 0, fmt.Errorf("%w: --%s is a range; ranges need --random N", ErrSpec, p.Flag)
		}
		n *= len(p.Choices)
		if n > MaxTrials {
			return 0, fmt.Errorf("%w: the grid has more than %d trials (sweep fewer values, or sample with --random N)", ErrSpec, MaxTrials)
		}
	}
	return n, nil
}
