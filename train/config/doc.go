// Package config is a training run's configuration: the Config type that
// train.Run takes and every run folder records, each model's recommended
// recipe (Defaults), and Validate, whose errors say what is wrong and what
// is accepted.
//
//	cfg := config.Defaults(models.MLP)
//	cfg.Epochs = 2
//	if err := cfg.Validate(); err != nil { ... }
//
// It imports neither the engine (train) nor a backend, so the packages that
// only read run folders can use it.
package config
