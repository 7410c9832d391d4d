package cli

import (
	"io"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/neurona/neurona/internal/field"
	"github.com/neurona/neurona/internal/human"
	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train/config"
	"github.com/spf13/pflag"
)

// TestTrainFlagsAreTheConfigurationFields: each field of the configuration
// is a flag of train of the same name, type, group and help, and bench's
// configuration flags are train's.
func TestTrainFlagsAreTheConfigurationFields(t *testing.T) {
	trainFlags := newCmdTrain(testEnv(io.Discard), nil).Flags()
	benchFlags := newCmdBench(testEnv(io.Discard), nil).Flags()
	for _, f := range config.Fields {
		t.Run(f.Key, func(t *testing.T) {
			fl := trainFlags.Lookup(f.Key)
			if fl == nil {
				t.Fatal("not a flag of train")
			}
			if fl.Value.Type() != f.Type() || !strings.HasPrefix(fl.Usage, f.HelpText(flagSpell)) {
				t.Errorf("flag of type %s, help %q; want %s, %q", fl.Value.Type(), fl.Usage, f.Type(), f.HelpText(flagSpell))
			}
			if g := fl.Annotations[annotationGroup]; len(g) != 1 || g[0] != f.Group {
				t.Errorf("listed under %v, want %q", g, f.Group)
			}
			isBench := slices.Contains(benchFields, f.Key) || slices.Contains(benchRecipeFields, f.Key)
			if b := benchFlags.Lookup(f.Key); isBench && b.Usage != fl.Usage {
				t.Errorf("bench's help %q differs from train's %q", b.Usage, fl.Usage)
			}
		})
	}
	for _, key := range append(slices.Clone(benchFields), benchRecipeFields...) {
		if benchFlags.Lookup(key) == nil {
			t.Errorf("bench lacks --%s", key)
		}
	}
}

// TestSweepFlagsComeFromTheDeclarations: what a sweep may not vary, or not
// give at all, is what train's flags declare.
func TestSweepFlagsComeFromTheDeclarations(t *testing.T) {
	flags := sweepFlags(testEnv(io.Discard))
	fixed := slices.Sorted(maps.Keys(flags.FixedOnly))
	never := slices.Sorted(maps.Keys(flags.Never))
	if want := []string{"backend", "classes", "config", "data-dir", "download", "progress"}; !slices.Equal(fixed, want) {
		t.Errorf("fixed-only flags %v, want %v", fixed, want)
	}
	if want := []string{"print-config", "resume", "run-dir", "seeds"}; !slices.Equal(never, want) {
		t.Errorf("never-given flags %v, want %v", never, want)
	}
	for _, f := range config.Fields {
		if known := flags.Known(f.Key); known == f.Hidden {
			t.Errorf("--%s (hidden %v) known to the sweep: %v", f.Key, f.Hidden, known)
		}
	}
	if flags.Known("no-restore-best") {
		t.Error("the hidden --no-restore-best is known to the sweep")
	}
}

// TestResumeMayChangeWhatTheFieldsSay: the flags a resumed run may change
// are the fields declared so, and the flags that do not describe the run.
func TestResumeMayChangeWhatTheFieldsSay(t *testing.T) {
	o := &trainOptions{}
	defineTrainFlags(pflag.NewFlagSet("train", pflag.ContinueOnError), o)
	listed := strings.Split(o.changeable(), ", ")
	for _, f := range config.Fields {
		if slices.Contains(listed, "--"+f.Key) != f.Resume {
			t.Errorf("--%s listed as changeable: %t, declared: %t", f.Key, !f.Resume, f.Resume)
		}
	}
	for _, name := range []string{"--backend", "--data-dir", "--data-on-device", "--download", "--progress", "--compile-cache"} {
		if !slices.Contains(listed, name) {
			t.Errorf("%s, which does not describe the run, is not listed as changeable", name)
		}
	}
}

// TestFieldErrorsReadAsFlags: an error about a setting reads as its flag,
// and what Validate says of a word or an escape sequence reads safely.
func TestFieldErrorsReadAsFlags(t *testing.T) {
	for _, tt := range []struct {
		name string
		err  *field.Error
		want string
	}{
		{"a number out of bounds", field.Errorf("lr", "0", "must be a number > 0"), "--lr 0 (must be a number > 0)"},
		{"an unknown word, quoted", validateError(t, func(c *config.Config) { c.Loop = "scan" }), `--loop "scan" (accepted: while, unroll)`},
		{"a setting where it does not apply", field.Errorf("average", "", "applies to model perceptron only"), "--average applies to model perceptron only"},
		{"a value with an escape sequence, quoted safely", validateError(t, func(c *config.Config) { c.Optimizer = "\x1b[31m" }), `--optimizer "\x1b[31m" (accepted: sgd, adam, adamw)`},
		{"a long value, clipped", validateError(t, func(c *config.Config) { c.Schedule = strings.Repeat("x", 1000) }),
			"--schedule " + human.Quote(strings.Repeat("x", 1000)) + " (accepted: constant, cosine)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := fieldMessage(tt.err)
			if got != tt.want || len(got) > 200 {
				t.Errorf("%q (%d bytes), want %q, under 200 bytes", got, len(got), tt.want)
			}
		})
	}
}

// validateError is the *field.Error of the MLP's defaults changed by mutate.
func validateError(t *testing.T, mutate func(*config.Config)) *field.Error {
	c := config.Defaults(models.MLP)
	mutate(&c)
	fe, ok := field.As(c.Validate())
	if !ok {
		t.Fatalf("Validate() of %+v gives no *field.Error", c)
	}
	return fe
}

// TestHiddenFieldIsReadButNotOffered: a field declared Hidden (a setting
// kept for the configurations that name it) is still read from a flag,
// but help, written configurations and sweeps leave it out.
func TestHiddenFieldIsReadButNotOffered(t *testing.T) {
	f, _ := config.Lookup("autodiff")
	was := f.Hidden
	f.Hidden = true
	defer func() { f.Hidden = was }()

	o, err := parseTrain([]string{"--autodiff", "--print-config"}, testEnv(io.Discard))
	if err != nil {
		t.Fatal(err)
	}
	if fl := o.flags.Lookup("autodiff"); fl == nil || !fl.Hidden || !o.cfg.Autodiff {
		t.Errorf("--autodiff: flag %v, value read %t; want a hidden flag, read", fl, o.cfg.Autodiff)
	}
	for _, it := range o.effectiveConfig(false) {
		if it.key == "autodiff" {
			t.Error("the written configuration holds autodiff")
		}
	}
	if sweepFlags(nil).Known("autodiff") {
		t.Error("a sweep knows --autodiff")
	}
	var table strings.Builder
	if err := config.WriteTable(&table); err != nil || strings.Contains(table.String(), "`autodiff`") {
		t.Errorf("the table of settings lists autodiff (error %v)", err)
	}
}
