package train

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/neurona/neurona/internal/human"
	"github.com/neurona/neurona/train/checkpoint"
	"github.com/neurona/neurona/train/runfolder"
)

// ErrNothingToTrain is what Run returns, after writing why to its output,
// when it is asked to resume a run that has already stopped and would train
// no further: a run to its --epochs, resumed with the same or fewer epochs,
// or one a stopping rule ended, resumed with its original --epochs. It is
// not a failure (as io.EOF is not): the run folder is left exactly as it
// was, not a byte or a modification time changed, so that its summary,
// report and checkpoints still describe the run that trained.
var ErrNothingToTrain = errors.New("train: nothing to train")

// NothingToTrain says whether resuming checkpoint c to train up to epochs
// epochs would do nothing, and if so why, in a line for the user: the run
// has stopped and its summary.json records that stop. It reads only c's
// meta.json and the run's summary (no weights) and writes nothing, so a
// front end can say so before it loads data, compiles or locks the folder.
func NothingToTrain(c *checkpoint.Checkpoint, epochs int) (why string, nothing bool) {
	var meta checkpointMeta
	if err := json.Unmarshal(c.Meta, &meta); err != nil {
		return "", false // Run reports the damaged meta.json
	}
	st := meta.State
	// A run a stopping rule ended trains on only when asked for more epochs
	// than first planned; one that reached its epochs, when asked for more.
	if !st.Done || (epochs != meta.Config.Epochs && st.Epoch < epochs) {
		return "", false
	}
	// A run killed after its last checkpoint but before its summary was
	// written has its test evaluation and summary.json still to do: Run
	// finishes it (without training).
	if s, err := runfolder.ReadSummary(RunDirOf(c)); err != nil || s.GlobalStep != st.GlobalStep || s.StoppedBecause != st.StoppedBecause {
		return "", false
	}
	return fmt.Sprintf("nothing to train: the run already stopped after %s (%s); pass --epochs N, N > %d, to train longer",
		human.Count(st.Epoch, "epoch"), st.StoppedBecause, st.Epoch), true
}
