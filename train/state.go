package train

import (
	"crypto/sha256"
	"encoding/hex"

	"github.com/neurona/neurona/data"
)

// runState is everything the epoch loop needs to continue a run exactly
// where a checkpoint left it. The data order needs no state of its own:
// epoch e's order is a pure function of (seed, e).
type runState struct {
	GlobalStep  int `json:"global_step"`
	Epoch       int `json:"epoch"`         // completed epochs
	StepInEpoch int `json:"step_in_epoch"` // steps done in epoch Epoch+1
	// Running sums of the epoch in progress, so a resumed epoch reports the
	// same training loss and accuracy as an uninterrupted one.
	EpochLossSum  float64 `json:"epoch_loss_sum"`
	EpochCorrect  float64 `json:"epoch_correct"`
	EpochExamples int     `json:"epoch_examples"`
	EpochSeconds  float64 `json:"epoch_seconds"`
	Examples      int     `json:"examples"`
	TrainSeconds  float64 `json:"train_seconds"`
	// Early stopping and model selection.
	BestVal   float64  `json:"best_val_accuracy"` // -1 before the first validation
	BestEpoch int      `json:"best_epoch"`
	NoBetter  int      `json:"epochs_without_better_val"`
	BestLoss  *float64 `json:"best_train_loss,omitempty"` // nil before the first epoch
	NoImprove int      `json:"epochs_without_loss_improvement"`
	// Last validation and training metrics, for the summary.
	ValLoss, ValAccuracy     *float64 `json:"-"`
	TrainLoss, TrainAccuracy float64  `json:"-"`
	// LastEpoch is the metrics.jsonl line of epoch Epoch, so that a resumed
	// run can restore it when the file lost it.
	LastEpoch      *EpochMetrics `json:"last_epoch,omitempty"`
	Done           bool          `json:"done"`
	StoppedBecause string        `json:"stopped_because,omitempty"`
}

// checkpointMeta is a checkpoint's meta.json.
type checkpointMeta struct {
	Config  Config    `json:"config"`
	State   runState  `json:"state"`
	Dataset string    `json:"dataset_sha256"`
	Backend string    `json:"backend"`
	Build   BuildInfo `json:"build"`
}

// DatasetID is the SHA-256 of MNIST's decoded contents (pixels and labels
// of both splits), so the same data reads the same whether gzipped or not.
func DatasetID(m *data.MNIST) string {
	h := sha256.New()
	for _, b := range [][]byte{m.Train.Images, m.Train.Labels, m.Test.Images, m.Test.Labels} {
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))
}
