// Package config is a training run's configuration: the Config type that
// train.Run takes and every run folder records, each model's recommended
// recipe (Defaults), and Validate, whose errors say what is wrong and what
// is accepted.
//
// Each setting is declared once, in Fields: its key (the command line's
// flag and the config file's key), group, help, type, accepted words or
// bounds, whether the model's recipe sets its default, which model kinds
// use it, whether a resumed run may change it and whether a sweep may vary
// it. Front ends derive their flags, config files, resume checks, sweep
// parameters, completion and docs from it (WriteTable writes the table in
// docs/configuration.md); Validate checks each field by its declaration
// and returns a *field.Error naming the setting by its key, so that no
// string here names a front end's flag.
//
//	cfg := config.Defaults(models.MLP)
//	cfg.Epochs = 2
//	if err := cfg.Validate(); err != nil { ... }
//
// It imports neither the engine (train) nor a backend, so the packages that
// only read run folders can use it.
package config
