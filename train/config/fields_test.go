package config

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/neurona/neurona/internal/field"
	"github.com/neurona/neurona/models"
)

// notSettings are the fields of a Config (and of its model's Spec) that
// Fields does not declare, and why: what the data decides, what the engine
// records, and where a run goes.
var notSettings = map[string]string{
	"Inputs":           "the data's pixels (FitData)",
	"Classes":          "the data's classes (FitData)",
	"Layout":           "the model kind's choice, recorded for old checkpoints",
	"AutoStepsPerCall": "recorded by the engine",
	"AutoShards":       "recorded by the engine",
	"DataOnDevice":     "decided by the engine for the backend (train.Options.DataOnDevice)",
	"Backend":          "where a run trains, not what it trains",
	"RunDir":           "where a run's files go",
	"Progress":         "what a front end shows",
}

// TestFieldsDeclareEveryField: every field of Config and of its Spec is
// declared in Fields, once, or listed in notSettings with the reason: a
// hyperparameter added to Config without its declaration fails here.
func TestFieldsDeclareEveryField(t *testing.T) {
	var c Config
	declared := map[uintptr]string{}
	for _, f := range Fields {
		addr := reflect.ValueOf(f.Ptr(&c)).Pointer()
		if other, dup := declared[addr]; dup {
			t.Errorf("%s and %s declare the same field", other, f.Key)
		}
		declared[addr] = f.Key
	}
	for _, v := range []reflect.Value{reflect.ValueOf(&c).Elem(), reflect.ValueOf(&c.Model).Elem()} {
		for i := range v.NumField() {
			sf := v.Type().Field(i)
			if sf.Name == "Model" {
				continue
			}
			if _, ok := declared[v.Field(i).Addr().Pointer()]; !ok && notSettings[sf.Name] == "" {
				t.Errorf("%s.%s is not declared in Fields (nor listed in notSettings with the reason)", v.Type().Name(), sf.Name)
			}
		}
	}
}

// TestFieldsAreWellFormed: keys are flag-like and unique, groups known,
// the {key} a help names exist, word fields list their words and bounded
// ones say what they accept.
func TestFieldsAreWellFormed(t *testing.T) {
	seen := map[string]bool{}
	for _, f := range Fields {
		t.Run(f.Key, func(t *testing.T) {
			if f.Key == "" || strings.Trim(f.Key, "abcdefghijklmnopqrstuvwxyz-") != "" || seen[f.Key] {
				t.Errorf("key %q: want a new lower-case name with dashes", f.Key)
			}
			seen[f.Key] = true
			if !slices.Contains(Groups, f.Group) {
				t.Errorf("group %q is not one of Groups", f.Group)
			}
			SpellKeys(f.Help+f.Only, func(key string) string {
				if _, ok := Lookup(key); !ok {
					t.Errorf("help names {%s}, which is no field", key)
				}
				return key
			})
			if (f.OK == nil) != (f.Accepts == "") {
				t.Errorf("OK and Accepts come together: a bound and the words that say it")
			}
			if f.Type() == "string" && f.Words == nil && f.Parse == nil {
				t.Errorf("a word field without Words")
			}
			if f.Kinds && len(f.KindsUsing()) == 0 {
				t.Errorf("applies to the kinds that use it, and none does (models.Kind.Uses(%q))", f.Key)
			}
		})
	}
}

// TestFieldTextReadsBack: each field's Text, Set again, gives the same
// value, for each model's defaults.
func TestFieldTextReadsBack(t *testing.T) {
	for _, name := range models.Names() {
		def := Defaults(name)
		if err := def.Validate(); err != nil {
			t.Fatal(err)
		}
		for _, f := range Fields {
			var c Config
			if err := f.Set(&c, f.Text(def)); err != nil {
				t.Errorf("%s: %s: Set(%q) = %v", name, f.Key, f.Text(def), err)
			}
			if got, want := f.Get(c), f.Get(def); !reflect.DeepEqual(got, want) && !(f.IsZero(c) && f.IsZero(def)) {
				t.Errorf("%s: %s: read back %v, want %v", name, f.Key, got, want)
			}
		}
	}
}

// TestValidateNamesTheSetting: an invalid value is a *field.Error naming
// the setting by its key, with the value and the problem, matching
// ErrConfig, in words that name no flag.
func TestValidateNamesTheSetting(t *testing.T) {
	mlp := func(mutate func(*Config)) Config { c := Defaults(models.MLP); mutate(&c); return c }
	tests := []struct {
		name              string
		cfg               Config
		key, value, wants string
	}{
		{"a zero learning rate", mlp(func(c *Config) { c.LR = 0 }), "lr", "0", "must be a number > 0"},
		{"an unknown optimizer lists the accepted ones", mlp(func(c *Config) { c.Optimizer = "lbfgs" }), "optimizer", `"lbfgs"`, "accepted: sgd, adam, adamw"},
		{"momentum with adam", mlp(func(c *Config) { c.Momentum = 0.9 }), "momentum", "", "applies to optimizer sgd only"},
		{"weight decay with sgd", mlp(func(c *Config) { c.Optimizer, c.WeightDecay = "sgd", 0.1 }), "weight-decay", "", "applies to optimizer adam and adamw only"},
		{"averaging the mlp", mlp(func(c *Config) { c.Average = true }), "average", "", "applies to model perceptron only"},
		{"a warm-up longer than the run", mlp(func(c *Config) { c.Warmup = 9 }), "warmup", "9", "must be 0 to epochs"},
		{"a NaN tolerance", mlp(func(c *Config) { c.Tol = nanValue() }), "tol", "NaN", "must be >= 0"},
		{"restore-best without a validation split", mlp(func(c *Config) { c.ValSplit, c.RestoreBest = 0, true }), "restore-best", "", "needs a validation split (val-split > 0)"},
		{"patience without a validation split", mlp(func(c *Config) { c.ValSplit, c.Patience = 0, 2 }), "patience", "", "needs a validation split"},
		{"a log interval under -1", mlp(func(c *Config) { c.LogEvery = -2 }), "log-every", "-2", "must be >= 0"},
		{"an unknown precision lists the accepted ones", mlp(func(c *Config) { c.Precision = "fp16" }), "precision", `"fp16"`, "accepted: f32, bf16"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			fe, ok := field.As(err)
			if !ok || !errors.Is(err, ErrConfig) {
				t.Fatalf("Validate() = %v; want a *field.Error matching ErrConfig", err)
			}
			if fe.Key != tt.key || fe.Value != tt.value || !strings.Contains(fe.Problem, tt.wants) {
				t.Errorf("key %q, value %q, problem %q; want %q, %q, %q", fe.Key, fe.Value, fe.Problem, tt.key, tt.value, tt.wants)
			}
			if strings.Contains(err.Error(), "--") {
				t.Errorf("%q names a flag", err)
			}
		})
	}
}

func nanValue() float64 { var zero float64; return zero / zero }
