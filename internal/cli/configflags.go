package cli

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/neurona/neurona/internal/field"
	"github.com/neurona/neurona/internal/human"
	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train/config"
	"github.com/spf13/pflag"
)

// The configuration's flags are derived from its declaration,
// config.Fields: each field is a flag of the same name, its help the
// field's with the settings it names spelled as flags, its default the MLP's
// (or, for a field the model's recipe sets, each kind's in the help).

// flagSpell spells a setting's key as the command line does.
func flagSpell(key string) string { return "--" + key }

// fieldValue is a configuration field as a flag's value: it reads and
// writes the field in a configuration by the field's own rules.
type fieldValue struct {
	f *config.Field
	c *config.Config
}

func (v fieldValue) String() string {
	if v.c == nil {
		return ""
	}
	return v.f.Text(*v.c)
}
func (v fieldValue) Set(s string) error { return v.f.Set(v.c, s) }
func (v fieldValue) Type() string       { return v.f.Type() }

// flagDefaults is the configuration train's flags show as their defaults:
// the MLP's, normalized (so --hidden shows 512,512), without the settings
// of the model's recipe, which each flag's help gives per model.
func flagDefaults() config.Config {
	def := config.Defaults(models.MLP)
	if spec, err := def.Model.Normalize(); err == nil {
		def.Model = spec
	}
	var zero config.Config
	for i := range config.Fields {
		if f := &config.Fields[i]; f.Recipe {
			f.Copy(&def, zero)
		}
	}
	return def
}

// defineField defines the flag of field f in fs, reading into c.
func defineField(fs *pflag.FlagSet, f *config.Field, c *config.Config) {
	help := f.HelpText(flagSpell)
	if f.Recipe {
		help += " (" + recipeDefaults(f) + ")"
	}
	fs.Var(fieldValue{f, c}, f.Key, help)
	if f.HelpDefault {
		fs.Lookup(f.Key).DefValue = "" // the help says it
	}
	if f.Hidden {
		if err := fs.MarkHidden(f.Key); err != nil {
			panic(err) // a programming error: the flag is defined just before
		}
	}
	if f.Type() == "bool" {
		fs.Lookup(f.Key).NoOptDefVal = "true"
	}
	if f.Fixed {
		setSweep(fs, sweepFixed, f.Key)
	}
}

// recipeDefaults says a recipe field's default per model kind: "default
// adam; perceptron: sgd", the default model's first.
func recipeDefaults(f *config.Field) string {
	first := config.Defaults(models.MLP)
	parts := []string{"default " + f.Text(first)}
	for _, name := range f.KindsUsing() {
		if name != models.MLP {
			parts = append(parts, name+": "+f.Text(config.Defaults(name)))
		}
	}
	return strings.Join(parts, "; ")
}

// applyGiven sets in dst each field of src whose flag was given.
func applyGiven(dst *config.Config, src config.Config, given map[string]bool) {
	for key, ok := range given {
		if f, isField := config.Lookup(key); ok && isField {
			f.Copy(dst, src)
		}
	}
}

// checkApplies refuses a flag given for a configuration c it does not
// apply to, as Validate would, in the command line's words: --activation
// for the perceptron (which the kind would otherwise drop without a word),
// --momentum with --optimizer adam. A model's field that applies to the
// kind but not to the rest of the model (--maxout-pieces with --activation
// relu) the kind drops, so that a sweep may combine them; given empty
// (--hidden "") a field says nothing.
func checkApplies(c config.Config, given map[string]bool) error {
	kind, err := models.Lookup(c.Model.Name)
	if err != nil {
		return nil // Validate names the models
	}
	for i := range config.Fields {
		f := &config.Fields[i]
		if !given[f.Key] || f.IsZero(c) {
			continue
		}
		if (f.Kinds && !kind.Uses(f.Key)) || (!f.Spec && !f.Applies(c)) {
			return field.Errorf(f.Key, "", "applies to %s", f.AppliesTo(flagSpell))
		}
	}
	return nil
}

// fieldMessage says a *field.Error in the command line's words: "--lr 0
// (must be a number > 0)", or "--average applies to ..." when the error is
// about the setting, not its value. The value comes as the engine wrote it:
// a word quoted and clipped.
func fieldMessage(fe *field.Error) string {
	if fe.Value == "" {
		return "--" + fe.Key + " " + fe.Problem
	}
	return "--" + fe.Key + " " + fe.Value + " (" + fe.Problem + ")"
}

// notWritten are train's flags that a configuration written out leaves
// out: they say what to do with one, not what to train.
var notWritten = map[string]bool{"config": true, "print-config": true, "resume": true, "help": true, "seeds": true}

// effectiveConfig is the configuration o trains with, one item per flag
// in the order of train's help: the model's defaults with the flags and
// --config applied. Fields that do not apply to the configuration are left
// out (config.Field.Applies), so are optional strings not given, and the
// run folder unless withRunDir and given (config.yaml must not send a
// second run into the first's).
func (o *trainOptions) effectiveConfig(withRunDir bool) []configItem {
	var items []configItem
	o.flags.VisitAll(func(f *pflag.Flag) {
		if f.Hidden || notWritten[f.Name] || (f.Name == "run-dir" && (!withRunDir || !o.set["run-dir"])) {
			return
		}
		if cf, ok := config.Lookup(f.Name); ok {
			if cf.Applies(o.cfg) {
				items = append(items, configItem{f.Name, cf.Get(o.cfg)})
			}
			return
		}
		s := f.Value.String()
		switch f.Value.Type() {
		case "bool":
			b, _ := strconv.ParseBool(s)
			items = append(items, configItem{f.Name, b})
		case "string":
			if s != "" {
				items = append(items, configItem{f.Name, s})
			}
		default:
			items = append(items, configItem{f.Name, s})
		}
	})
	return items
}

// configPath is --config's value: one file. pflag lets a string flag
// given again replace its first value, which would drop the first file's
// settings without a word; a second --config is refused instead (merging
// files would make "which file set this?" a question of order).
type configPath struct {
	path *string
	set  bool
}

func (c *configPath) String() string {
	if c.path == nil {
		return ""
	}
	return *c.path
}

func (c *configPath) Set(v string) error {
	if c.set {
		return fmt.Errorf("a second config file (the first: %s); give one --config, and flags on the command line to override it", human.Quote(*c.path))
	}
	*c.path, c.set = v, true
	return nil
}

func (c *configPath) Type() string { return "string" }
