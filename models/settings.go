package models

import "strings"

// Setting is a field of Spec as a setting of a run's configuration: how
// the command line, config files and sweeps name it, read it and describe
// it. train/config lists these first among a run's settings (config.Fields)
// and derives everything else from them, so a kind that reads a new Spec
// field declares it here, next to the kinds, and nowhere else.
type Setting struct {
	// Key names the setting in every front end: the flag without its
	// dashes, the config file's key.
	Key string
	// Help says what the setting does, in a line; it names another setting
	// as {key}, which each front end spells its way.
	Help string
	// Ptr returns the address of the field in s: a *string, *int or *[]int.
	Ptr func(s *Spec) any
	// Parse reads a list setting's text ("512,512").
	Parse func(text string) (any, error)
	// Words are the values a word setting accepts.
	Words []string
	// HelpDefault: Help says the default in words.
	HelpDefault bool
	// Kinds: the setting applies only to the kinds that use it (Kind.Uses).
	Kinds bool
	// When, if not nil, says whether the setting applies to s beyond
	// Kinds; Only says where it does, naming settings as {key}.
	When func(s Spec) bool
	Only string
}

// Settings are Spec's fields as settings, in the order help lists them.
var Settings = []Setting{
	{Key: "model", Help: "model: " + strings.Join(Names(), ", "), Words: Names(),
		Ptr: func(s *Spec) any { return &s.Name }},
	{Key: "hidden", Help: "MLP hidden layer widths, comma-separated (empty: none)", Kinds: true,
		Ptr:   func(s *Spec) any { return &s.Hidden },
		Parse: func(text string) (any, error) { return ParseHidden(text) }},
	{Key: "activation", Help: "MLP hidden activation: " + strings.Join(Activations, ", "), Kinds: true,
		Words: Activations, Ptr: func(s *Spec) any { return &s.Activation }},
	{Key: "maxout-pieces", Help: "linear pieces per unit for {activation} maxout (default 2)", Kinds: true, HelpDefault: true,
		Ptr:  func(s *Spec) any { return &s.MaxoutPieces },
		When: func(s Spec) bool { return s.Activation == "maxout" }, Only: "{activation} maxout only"},
	{Key: "loss", Help: "MLP output layer and loss: " + strings.Join(Losses, ", ") + " (the perceptron uses its own criterion)",
		Kinds: true, Words: Losses, Ptr: func(s *Spec) any { return &s.Loss }},
}
