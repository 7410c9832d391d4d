package cli

import "github.com/neurona/neurona/train"

// configFlag is a `neurona train` flag that sets part of the run's
// configuration: copy moves that part from the flags' config to another.
type configFlag struct {
	copy func(dst *train.Config, src train.Config)
	// resumable flags may differ from the checkpoint's configuration on
	// --resume; every other one must repeat the saved value.
	resumable bool
}

// configFlags is the one map from train's flags to configuration fields,
// used to apply the flags given over a model's defaults and to check them
// against a resumed checkpoint.
var configFlags = map[string]configFlag{
	"model":            {copy: func(d *train.Config, s train.Config) { d.Model.Name = s.Model.Name }},
	"hidden":           {copy: func(d *train.Config, s train.Config) { d.Model.Hidden = s.Model.Hidden }},
	"activation":       {copy: func(d *train.Config, s train.Config) { d.Model.Activation = s.Model.Activation }},
	"maxout-pieces":    {copy: func(d *train.Config, s train.Config) { d.Model.MaxoutPieces = s.Model.MaxoutPieces }},
	"loss":             {copy: func(d *train.Config, s train.Config) { d.Model.Loss = s.Model.Loss }},
	"optimizer":        {copy: func(d *train.Config, s train.Config) { d.Optimizer = s.Optimizer }},
	"lr":               {copy: func(d *train.Config, s train.Config) { d.LR = s.LR }},
	"momentum":         {copy: func(d *train.Config, s train.Config) { d.Momentum = s.Momentum }},
	"weight-decay":     {copy: func(d *train.Config, s train.Config) { d.WeightDecay = s.WeightDecay }},
	"schedule":         {copy: func(d *train.Config, s train.Config) { d.Schedule = s.Schedule }},
	"warmup":           {copy: func(d *train.Config, s train.Config) { d.Warmup = s.Warmup }},
	"average":          {copy: func(d *train.Config, s train.Config) { d.Average = s.Average }},
	"batch-size":       {copy: func(d *train.Config, s train.Config) { d.BatchSize = s.BatchSize }},
	"seed":             {copy: func(d *train.Config, s train.Config) { d.Seed = s.Seed }},
	"val-split":        {copy: func(d *train.Config, s train.Config) { d.ValSplit = s.ValSplit }},
	"steps-per-call":   {copy: func(d *train.Config, s train.Config) { d.StepsPerCall = s.StepsPerCall }, resumable: true},
	"loop":             {copy: func(d *train.Config, s train.Config) { d.Loop = s.Loop }, resumable: true},
	"drop-last":        {copy: func(d *train.Config, s train.Config) { d.DropLast = s.DropLast }},
	"epochs":           {copy: func(d *train.Config, s train.Config) { d.Epochs = s.Epochs }, resumable: true},
	"patience":         {copy: func(d *train.Config, s train.Config) { d.Patience = s.Patience }, resumable: true},
	"tol":              {copy: func(d *train.Config, s train.Config) { d.Tol = s.Tol }, resumable: true},
	"n-iter-no-change": {copy: func(d *train.Config, s train.Config) { d.NoChange = s.NoChange }, resumable: true},
	"restore-best":     {copy: func(d *train.Config, s train.Config) { d.RestoreBest = s.RestoreBest }, resumable: true},
	"no-restore-best":  {copy: func(d *train.Config, s train.Config) { d.RestoreBest = s.RestoreBest }, resumable: true},
	"save-every":       {copy: func(d *train.Config, s train.Config) { d.SaveEvery = s.SaveEvery }, resumable: true},
	"save-every-epoch": {copy: func(d *train.Config, s train.Config) { d.SaveEveryEpoch = s.SaveEveryEpoch }, resumable: true},
	"keep-last":        {copy: func(d *train.Config, s train.Config) { d.KeepLast = s.KeepLast }, resumable: true},
	"keep-best":        {copy: func(d *train.Config, s train.Config) { d.KeepBest = s.KeepBest }, resumable: true},
}
