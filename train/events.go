package train

import (
	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train/backend"
	"github.com/neurona/neurona/train/config"
	"github.com/neurona/neurona/train/runfolder"
)

// Event is what a run reports to its observers (Options.Observers), in the
// order it happens. Each is a typed value, not a line: a front end decides
// how to show it (the command line prints today's lines, serve and sweep
// may log or ignore them). The types are listed below in the order a run
// reports them.
type Event interface{ event() }

// Observer receives a run's events, synchronously, on the goroutine that
// trains: what it does before returning delays the run (a crash test stops
// a run at an event by not returning).
type Observer func(Event)

// NothingToTrain is reported when Run is asked to resume a run that already
// stopped and would train no further; Run then returns ErrNothingToTrain.
type NothingToTrain struct {
	Stopped AlreadyStopped
}

// RunFolderLocked: the run folder is open and locked for this process.
type RunFolderLocked struct {
	Dir     string
	Resumed bool
}

// MetricsRewritten: a resumed run's metrics.jsonl was rewritten to the
// lines of the epochs its checkpoint had completed.
type MetricsRewritten struct{ Path string }

// Restarted: the run folder held a run that stopped before its first
// checkpoint, with nothing to resume; the run starts it afresh.
type Restarted struct{ Dir string }

// FileWritten: a file of Options.Files was written into the run folder.
type FileWritten struct{ Name string }

// Planned: what the run will train, on what, with which recipe.
type Planned struct {
	// Config is the run's configuration, validated, with its run folder,
	// backend and steps per call filled in.
	Config config.Config
	// Parameters is the model's trainable parameter count; Shapes their
	// names and shapes in creation order.
	Parameters int
	Shapes     []models.Param
	// Backend describes the backend (its name, devices, options).
	Backend string
	// Data is the data the run trains on: its folder, how it was found, and
	// the sizes of the splits.
	Data runfolder.DataInfo
	// ResidentBytes is the size of the images and labels put on the device
	// and IndexBytes what each step sends, when Config.DataOnDevice.
	ResidentBytes, IndexBytes int64
	// Group is the members of the run's Group (whose program keeps one
	// copy of the data for all of them); 0 for a run alone.
	Group int
}

// PrecisionNotFaster (precision.go) follows Planned when the run's
// precision is no faster than float32 on its backend.

// Noted: something Compile worked around (a While loop that did not
// compile, replaced by unrolled steps), in words.
type Noted struct{ Note string }

// Compiled: the program is compiled, its variables initialized and warmed
// up.
type Compiled struct {
	// BatchShapes is the number of training calls compiled (a smaller last
	// batch is another shape).
	BatchShapes                                int
	CompileSeconds, InitSeconds, WarmupSeconds float64
	// GroupSteps: the run is a member of a Group, whose program compiles
	// and runs the training step; BatchShapes is then 0, and the last
	// member to compile counts the group's step in its CompileSeconds.
	GroupSteps bool
	// GroupCalls: the group's members evaluate and predict through calls
	// the group compiles once (on XLA), counted in the CompileSeconds of
	// the first member to compile.
	GroupCalls bool
	Cache      backend.CacheUse // XLA's autotune cache, the zero value without one
}

// Resumed: the run continues where checkpoint Dir stopped.
type Resumed struct {
	Dir                            string
	GlobalStep, Epoch, StepInEpoch int
	// Shards is what this run splits a step into (Config.Shards),
	// TrainedShards what the checkpoint's run did (1 for a run saved before
	// shards existed). Where they differ the updates differ by float
	// rounding: the run goes on as a run trained with Shards would, not bit
	// for bit as the interrupted one would have.
	Shards, TrainedShards int
}

// Memory: what the run holds in memory once compiled.
type Memory struct {
	StateBytes    int64   // model and optimizer state
	HostDataBytes int64   // the data set on the host
	PeakRSSMB     float64 // the process's peak resident size so far
	Device        string  // the device's memory in words, "" when unknown
}

// Finishing: the run stopped after its last checkpoint but before its
// summary (it was killed then); it tests the weights now, training nothing.
type Finishing struct {
	Epochs  int
	Reason  runfolder.StopReason
	Because string
}

// EpochStarted: the training of epoch Epoch (from 1) of Epochs starts,
// Done of its Steps already done (a resumed epoch).
type EpochStarted struct{ Epoch, Epochs, Steps, Done int }

// StepsDone: a training call ended at step GlobalStep. Done of the epoch's
// steps are done; Examples were trained on in this epoch by this process;
// Loss is the epoch's mean training loss so far.
type StepsDone struct {
	GlobalStep, Done, Examples int
	Loss                       float64
}

// StepLogged: a step line was added to metrics.jsonl.
type StepLogged struct{ Metrics runfolder.StepMetrics }

// EpochTrained: the training calls of the epoch are over (the validation
// and the checkpoint follow), or were cut short by a signal or an error.
type EpochTrained struct{ Epoch int }

// CheckpointStage: a stage of saving, pruning or cleaning checkpoints was
// reached ("save ckpt-000000012: manifest.json written", "prune: removing
// ckpt-000000009", "clean: removing .tmp-..."): the points a crash test
// kills a run at.
type CheckpointStage struct{ Stage string }

// CheckpointSaved: a checkpoint was saved, at the end of an epoch
// (Why "epoch"), every Config.SaveEvery steps ("step") or when the run was
// interrupted ("interrupt").
type CheckpointSaved struct {
	Path    string
	Size    int64
	Seconds float64
	Why     string
}

// EpochEnded: an epoch ended, its line written to metrics.jsonl.
type EpochEnded struct {
	Metrics runfolder.EpochMetrics
	Epochs  int  // planned
	Best    bool // the best validation accuracy so far, kept for Config.RestoreBest
	// Saved is the checkpoint saved at the epoch's end, if any (its
	// CheckpointSaved event came first).
	Saved *CheckpointSaved
}

// Stopped: the epochs are over, for Reason (Because says it in words).
// Epochs is the number of epochs the run was asked for.
type Stopped struct {
	Reason  runfolder.StopReason
	Because string
	Epochs  int
}

// Tested: the run was tested; Summary holds the results, and
// CheckpointBytes is what its checkpoints take on disk.
type Tested struct {
	Summary         *runfolder.Summary
	CheckpointBytes int64
}

// Finished: summary.json was written (a run that ended, was interrupted or
// diverged, or whose call was abandoned).
type Finished struct{ Summary *runfolder.Summary }

func (NothingToTrain) event()   {}
func (RunFolderLocked) event()  {}
func (MetricsRewritten) event() {}
func (Restarted) event()        {}
func (FileWritten) event()      {}
func (Planned) event()          {}
func (Noted) event()            {}
func (Compiled) event()         {}
func (Resumed) event()          {}
func (Memory) event()           {}
func (Finishing) event()        {}
func (EpochStarted) event()     {}
func (StepsDone) event()        {}
func (StepLogged) event()       {}
func (EpochTrained) event()     {}
func (CheckpointStage) event()  {}
func (CheckpointSaved) event()  {}
func (EpochEnded) event()       {}
func (Stopped) event()          {}
func (Tested) event()           {}
func (Finished) event()         {}

// observers are a run's observers, called in order.
type observers []Observer

func (o observers) report(e Event) {
	for _, f := range o {
		if f != nil {
			f(e)
		}
	}
}

// Warned: a problem the run works around. Warning is a typed error whose
// fields hold the paths and values: a *MetricsRepair, a
// *backend.FallbackError or *backend.CacheError, a *checkpoint.SetAside.
type Warned struct{ Warning error }

func (Warned) event() {}
