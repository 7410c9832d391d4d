// Package runfolder is the format of a run folder, the record a training
// run leaves: where its files are (CheckpointsDir, summary.json,
// metrics.jsonl), what they hold (Summary, EpochMetrics, StepMetrics,
// StopReason) and the lock that keeps two processes out of one run
// (LockRun). The engine (train) writes run folders; the commands that only
// read them (runs, report, serve, sweep) use this package without the
// engine or a backend.
//
//	s, err := runfolder.ReadSummary("runs/mlp-20261204-101500")
//	if err == nil && s.Reason() == runfolder.StopEpochs { ... }
//
// Every file is read through internal/safefile: type checked before it is
// opened, and bounded.
package runfolder
