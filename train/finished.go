package train

import (
	"encoding/json"
	"errors"

	"github.com/neurona/neurona/train/checkpoint"
	"github.com/neurona/neurona/train/runfolder"
)

// ErrNothingToTrain is what Run returns, after reporting NothingToTrain,
// when it is asked to resume a run that has already stopped and would train
// no further: a run to its epochs, resumed with the same or fewer epochs,
// or one a stopping rule ended, resumed with its original epochs. It is
// not a failure (as io.EOF is not): the run folder is left exactly as it
// was, not a byte or a modification time changed, so that its summary,
// report and checkpoints still describe the run that trained.
var ErrNothingToTrain = errors.New("train: nothing to train")

// AlreadyStopped is a run that has stopped and records that stop in its
// summary.json: after Epochs epochs, for Reason (Because in words).
type AlreadyStopped struct {
	Epochs  int
	Reason  runfolder.StopReason
	Because string
}

// AlreadyStoppedAt says whether resuming checkpoint c to train up to epochs
// epochs would do nothing, and if so how the run stopped: the run has
// stopped and its summary.json records that stop. It reads only c's
// meta.json and the run's summary (no weights) and writes nothing, so a
// front end can say so before it loads data, compiles or locks the folder.
func AlreadyStoppedAt(c *checkpoint.Checkpoint, epochs int) (AlreadyStopped, bool) {
	var meta checkpointMeta
	if err := json.Unmarshal(c.Meta, &meta); err != nil {
		return AlreadyStopped{}, false // Run reports the damaged meta.json
	}
	st := meta.State
	// A run a stopping rule ended trains on only when asked for more epochs
	// than first planned; one that reached its epochs, when asked for more.
	if !st.Done || (epochs != meta.Config.Epochs && st.Epoch < epochs) {
		return AlreadyStopped{}, false
	}
	// A run killed after its last checkpoint but before its summary was
	// written has its test evaluation and summary.json still to do: Run
	// finishes it (without training).
	if s, err := runfolder.ReadSummary(RunDirOf(c)); err != nil || s.GlobalStep != st.GlobalStep ||
		runfolder.CurrentWords(s.Reason(), s.StoppedBecause) != runfolder.CurrentWords(st.Stop, st.StoppedBecause) {
		return AlreadyStopped{}, false
	}
	return AlreadyStopped{Epochs: st.Epoch, Reason: st.Stop, Because: runfolder.CurrentWords(st.Stop, st.StoppedBecause)}, true
}
