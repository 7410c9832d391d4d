package sweep

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/neurona/neurona/internal/human"
	"github.com/neurona/neurona/models"
)

// ErrSpec is matched (errors.Is) by every error about a sweep's
// specification, a *SpecError.
var ErrSpec = errors.New("sweep: bad specification")

// SpecError is what is wrong with a sweep's specification. Problem says it
// in the command line's words (a sweep's parameters are train's flags):
// "--lr 0:1 is a range; ranges need --random N".
type SpecError struct{ Problem string }

func (e *SpecError) Error() string { return ErrSpec.Error() + ": " + e.Problem }

// Is makes a SpecError match ErrSpec.
func (e *SpecError) Is(target error) bool { return target == ErrSpec }

// specErrorf is a *SpecError, its problem formatted.
func specErrorf(format string, args ...any) error {
	return &SpecError{Problem: fmt.Sprintf(format, args...)}
}

// Limits that keep a specification from asking for more than a sweep can
// ever run, before anything is allocated for it.
const (
	MaxTrials   = 10_000                 // trials of one sweep, grid or random
	maxChoices  = 1_000                  // alternatives of one flag
	maxLayers   = models.MaxHiddenLayers // hidden layers of one alternative
	maxWidth    = models.MaxWidth        // units of one hidden layer
	maxFlagArgs = 256                    // flags of one specification
	// maxExactInt bounds an integer range: float64 holds every integer up to
	// 2^53 exactly, so lo, hi and every draw between them are exact.
	maxExactInt = 1 << 53
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
// ranges draw --hidden. Errors are *SpecError and name the flag.
func ParseArgs(args []string, flags Flags, random int, seed uint64) (Spec, error) {
	if random < 0 || random > MaxTrials {
		return Spec{}, specErrorf("--random %d (must be 1 to %d, or 0 for the grid)", random, MaxTrials)
	}
	if len(args) > 2*maxFlagArgs {
		return Spec{}, specErrorf("%d arguments (at most %d flags)", len(args), maxFlagArgs)
	}
	s := Spec{Random: random, Seed: seed}
	seen := map[string]bool{}
	for i := 0; i < len(args); i++ {
		arg := args[i]
		name, value, hasValue := strings.Cut(strings.TrimPrefix(arg, "--"), "=")
		if !strings.HasPrefix(arg, "--") || name == "" {
			return Spec{}, specErrorf("unexpected argument %s (want --flag value)", human.Quote(arg))
		}
		flag := "--" + human.Clip(name)
		if !hasValue {
			if i+1 == len(args) || strings.HasPrefix(args[i+1], "--") {
				return Spec{}, specErrorf("%s has no value (booleans too: %s true or %s true,false)", flag, flag, flag)
			}
			i++
			value = args[i]
		}
		if seen[name] {
			return Spec{}, specErrorf("%s given twice (give its choices as one list: %s a,b)", flag, flag)
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
			return Spec{}, specErrorf("--hidden and --%s/--%s: give the layers one way", HiddenWidth, HiddenLayers)
		}
		if !seen[HiddenWidth] {
			return Spec{}, specErrorf("--%s needs --%s (the width of the layers)", HiddenLayers, HiddenWidth)
		}
	}
	if err := s.check(); err != nil {
		return Spec{}, err
	}
	if n, err := s.Trials(); err != nil {
		return Spec{}, err
	} else if n == 1 && random == 0 {
		return Spec{}, specErrorf("nothing is swept (give some flag two or more choices, e.g. --lr 1e-3,3e-3)")
	}
	return s, nil
}

// parseParam parses one flag's value.
func parseParam(name, value string, flags Flags, random bool) (Param, error) {
	pseudo := name == HiddenWidth || name == HiddenLayers
	switch {
	case flags.Never[name]:
		return Param{}, specErrorf("--%s cannot be given to a sweep (it places and resumes each trial itself)", name)
	case pseudo && !random:
		return Param{}, specErrorf("--%s is for --random searches (in a grid, list the layers: --hidden 256,512x2)", name)
	case !pseudo && (flags.Known == nil || !flags.Known(name)):
		return Param{}, specErrorf("unknown flag --%s (any flag of `neurona train` may be given; see `neurona train --help`)", human.Clip(name))
	}
	p := Param{Flag: name}
	if !random && !strings.Contains(value, ",") {
		if _, err := parseRange(name, value); err == nil {
			return Param{}, specErrorf("--%s %s is a range; ranges need --random N", name, human.Clip(value))
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
		return Param{}, specErrorf("--%s takes one value in a sweep (every trial uses the same)", name)
	}
	if pseudo {
		if err := p.checkPseudo(); err != nil {
			return Param{}, err
		}
	}
	return p, nil
}

// pseudoMax is the largest value of --hidden-width or --hidden-layers.
func pseudoMax(flag string) int {
	if flag == HiddenLayers {
		return maxLayers
	}
	return maxWidth
}

// checkPseudo checks a --hidden-width or --hidden-layers parameter: whole
// numbers from 1 to what a model accepts, so that a trial's --hidden is
// never built larger than train takes.
func (p Param) checkPseudo() error {
	hi := pseudoMax(p.Flag)
	want := fmt.Sprintf("want whole numbers from 1 to %d, or a range such as %s", hi, map[string]string{HiddenWidth: "64:1024", HiddenLayers: "1:3"}[p.Flag])
	if p.Range != nil {
		if !p.Range.Int || p.Range.Lo < 1 || p.Range.Hi > float64(hi) {
			return specErrorf("--%s %s (%s)", p.Flag, p.Range, want)
		}
		return nil
	}
	for _, c := range p.Choices {
		if n, err := strconv.Atoi(c); err != nil || n < 1 || n > hi {
			return specErrorf("--%s %s (%s)", p.Flag, human.Quote(c), want)
		}
	}
	return nil
}

// parseChoices splits a comma list, translating --hidden's layer syntax.
// The choices are counted before the list is split: nothing is allocated
// for more than maxChoices.
func parseChoices(name, value string) ([]string, error) {
	if n := strings.Count(value, ",") + 1; n > maxChoices {
		return nil, specErrorf("--%s has %d choices (at most %d)", name, n, maxChoices)
	}
	parts := strings.Split(value, ",")
	out := make([]string, 0, len(parts))
	for _, part := range parts {
		c := strings.TrimSpace(part)
		if c == "" {
			return nil, specErrorf("--%s %s has an empty choice", name, human.Quote(value))
		}
		if name == "hidden" {
			layers, err := parseLayers(c)
			if err != nil {
				return nil, specErrorf("--hidden %s: %v", human.Quote(c), err)
			}
			c = layers
		}
		if slices.Contains(out, c) {
			return nil, specErrorf("--%s lists %s twice", name, human.Quote(part))
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
				return "", fmt.Errorf("%s: want WIDTHxLAYERS with 1 to %d layers, e.g. 512x2", human.Quote(group), maxLayers)
			}
			count = k
		}
		if width, err := strconv.Atoi(w); err != nil || width < 1 || width > maxWidth {
			return "", fmt.Errorf("%s: want layer widths from 1 to %d joined by + (128+64), WIDTHxLAYERS (512x2) or none", human.Quote(group), maxWidth)
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
	if strings.Count(value, ":") > 2 {
		return Range{}, specErrorf("--%s %s: not a range (want lo:hi or lo:hi:log, e.g. 1e-4:1e-2:log)", name, human.Quote(value))
	}
	parts := strings.Split(value, ":")
	if len(parts) < 2 || (len(parts) == 3 && parts[2] != "log") {
		return Range{}, specErrorf("--%s %s: not a range (want lo:hi or lo:hi:log, e.g. 1e-4:1e-2:log)", name, human.Quote(value))
	}
	lo, err1 := strconv.ParseFloat(parts[0], 64)
	hi, err2 := strconv.ParseFloat(parts[1], 64)
	if err1 != nil || err2 != nil {
		return Range{}, specErrorf("--%s %s: the bounds are not numbers (want lo:hi or lo:hi:log, e.g. 1e-4:1e-2:log)", name, human.Quote(value))
	}
	r := Range{Lo: lo, Hi: hi, Log: len(parts) == 3, Int: wholeNumber(parts[0]) && wholeNumber(parts[1])}
	if r.Int {
		// Exactly, not as the floats above: 2^53+1 reads as 2^53.
		for _, part := range parts[:2] {
			if n, err := strconv.ParseInt(part, 10, 64); err != nil || n > maxExactInt || n < -maxExactInt {
				return Range{}, specErrorf("--%s %s: an integer range accepts bounds from -%d to %d (2^53)", name, human.Quote(value), maxExactInt, maxExactInt)
			}
		}
	}
	if err := r.check(name); err != nil {
		return Range{}, err
	}
	return r, nil
}

// wholeNumber reports whether s is written as an integer: digits after an
// optional sign (however large; check bounds it).
func wholeNumber(s string) bool {
	s = strings.TrimLeft(s, "+-")
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// String is the range as given: "lo:hi" or "lo:hi:log".
func (r Range) String() string {
	format := byte('g')
	if r.Int {
		format = 'f' // 1000000000, not 1e+09
	}
	s := strconv.FormatFloat(r.Lo, format, -1, 64) + ":" + strconv.FormatFloat(r.Hi, format, -1, 64)
	if r.Log {
		s += ":log"
	}
	return s
}

// Bounds are r's bounds written as its draws are: a range whose bounds
// train accepts gives draws train accepts.
func (r Range) Bounds() []string {
	if r.Int {
		return []string{strconv.FormatInt(int64(r.Lo), 10), strconv.FormatInt(int64(r.Hi), 10)}
	}
	return []string{strconv.FormatFloat(r.Lo, 'g', -1, 64), strconv.FormatFloat(r.Hi, 'g', -1, 64)}
}

// check says what is wrong with r, a range of flag name: the error names
// the range and what a range accepts.
func (r Range) check(name string) error {
	bad := func(why string) error {
		return specErrorf("--%s %s: %s", name, r, why)
	}
	switch {
	case math.IsNaN(r.Lo) || math.IsNaN(r.Hi) || math.IsInf(r.Lo, 0) || math.IsInf(r.Hi, 0):
		return bad("the bounds are not numbers (want lo:hi or lo:hi:log, e.g. 1e-4:1e-2:log)")
	case r.Lo > r.Hi:
		return bad("min > max (want lo:hi with lo < hi)")
	case r.Lo == r.Hi:
		return bad("min = max (give one value instead)")
	case r.Log && r.Lo <= 0:
		return bad("a log range needs min > 0")
	case r.Int && (math.Abs(r.Lo) > maxExactInt || math.Abs(r.Hi) > maxExactInt):
		return bad(fmt.Sprintf("an integer range accepts bounds from -%d to %d (2^53)", maxExactInt, maxExactInt))
	case r.Int && (r.Lo != math.Trunc(r.Lo) || r.Hi != math.Trunc(r.Hi)):
		return bad("an integer range needs whole bounds")
	}
	return nil
}

// Trials returns how many trials s makes: --random's count, or the
// product of the choices of every flag, refused beyond MaxTrials.
func (s Spec) Trials() (int, error) {
	if s.Random < 0 || s.Random > MaxTrials {
		return 0, specErrorf("--random %d (must be 1 to %d, or 0 for the grid)", s.Random, MaxTrials)
	}
	if s.Random > 0 {
		return s.Random, nil
	}
	n := 1
	for _, p := range s.Params {
		if p.Range != nil {
			return 0, specErrorf("--%s is a range; ranges need --random N", p.Flag)
		}
		n *= len(p.Choices)
		if n > MaxTrials {
			return 0, specErrorf("the grid has more than %d trials (sweep fewer values, or sample with --random N)", MaxTrials)
		}
	}
	return n, nil
}
