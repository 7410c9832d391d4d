package config

import (
	"fmt"
	"io"
	"strings"

	"github.com/neurona/neurona/models"
)

// WriteTable writes the settings of Fields as a Markdown table, one row
// per setting in help's order, for docs/configuration.md (TestTableDocUpToDate
// checks the copy there): its key, default (each model's where the
// model's recipe sets it), what it does, what it accepts, which models it
// applies to, whether a resumed run may change it and whether a sweep may
// vary it.
func WriteTable(w io.Writer) error {
	var b strings.Builder
	b.WriteString("| setting | default | what it does | accepts | applies to | on resume | in a sweep |\n")
	b.WriteString("| --- | --- | --- | --- | --- | --- | --- |\n")
	mlp := Defaults(models.MLP)
	if spec, err := mlp.Model.Normalize(); err == nil {
		mlp.Model = spec
	}
	for i := range Fields {
		f := &Fields[i]
		if f.Hidden {
			continue
		}
		resume, sweep := "must repeat the checkpoint's", "may vary"
		if f.Resume {
			resume = "may change"
		}
		if f.Fixed {
			sweep = "one value"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s | %s | %s |\n", f.Key, cell(tableDefault(f, mlp)),
			cell(f.HelpText(func(key string) string { return "`" + key + "`" })), cell(tableAccepts(f)), cell(tableAppliesTo(f)), resume, sweep)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// tableDefault is f's default: the MLP's (normalized), or each model's
// where the recipe sets it; blank where the setting does not apply by
// default (its help says what it takes).
func tableDefault(f *Field, mlp Config) string {
	if f.Recipe {
		var parts []string
		for _, name := range f.KindsUsing() {
			parts = append(parts, name+": `"+f.Text(Defaults(name))+"`")
		}
		return strings.Join(parts, ", ")
	}
	if f.HelpDefault || !f.Applies(mlp) && f.IsZero(mlp) {
		return "" // the help says it
	}
	return "`" + f.Text(mlp) + "`"
}

// tableAccepts says which values f accepts.
func tableAccepts(f *Field) string {
	switch {
	case f.Words != nil:
		return "`" + strings.Join(f.Words, "`, `") + "`"
	case f.Accepts != "":
		return f.Accepts
	}
	switch f.Type() {
	case "bool":
		return "true or false"
	case "uint64":
		return "a whole number >= 0"
	case "int":
		return "an integer"
	case "float64":
		return "a number"
	}
	if _, list := f.Ptr(&Config{}).(*[]int); list {
		return "whole numbers, comma-separated"
	}
	return "text"
}

// tableAppliesTo says where f applies: the models that use it, and when.
func tableAppliesTo(f *Field) string {
	if f.Kinds || f.Only != "" {
		return f.AppliesTo(func(key string) string { return "`" + key + "`" })
	}
	return "every model"
}

// cell escapes what would end a Markdown table's cell.
func cell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
