package train

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"

	"github.com/neurona/neurona/data"
	"github.com/neurona/neurona/train/buildinfo"
	"github.com/neurona/neurona/train/checkpoint"
	"github.com/neurona/neurona/train/config"
	"github.com/neurona/neurona/train/runfolder"
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
	// Sums of the training calls since the last step line (StepMetrics),
	// so a resumed run writes the lines an uninterrupted one would.
	LogLossSum   float64 `json:"log_loss_sum,omitempty"`
	LogCorrect   float64 `json:"log_correct,omitempty"`
	LogExamples  int     `json:"log_examples,omitempty"`
	TrainSeconds float64 `json:"train_seconds"`
	// Early stopping and model selection.
	BestVal   float64 `json:"best_val_accuracy"` // -1 before the first validation
	BestEpoch int     `json:"best_epoch"`
	NoBetter  int     `json:"epochs_without_better_val"` // of config.Config.EarlyStopMonitor
	// StopBest is the best value of Config.EarlyStopMonitor so far, moved
	// only by an improvement of more than Config.EarlyStopMinDelta; nil
	// before the first validation.
	StopBest  *float64 `json:"early_stop_best,omitempty"`
	BestLoss  *float64 `json:"best_train_loss,omitempty"` // nil before the first epoch
	NoImprove int      `json:"epochs_without_loss_improvement"`
	// Last validation and training metrics, for the summary.
	ValLoss, ValAccuracy     *float64 `json:"-"`
	TrainLoss, TrainAccuracy float64  `json:"-"`
	// LastEpoch is the metrics.jsonl line of epoch Epoch, so that a resumed
	// run can restore it when the file lost it.
	LastEpoch      *runfolder.EpochMetrics `json:"last_epoch,omitempty"`
	Done           bool                    `json:"done"`
	StoppedBecause string                  `json:"stopped_because,omitempty"`
	Stop           runfolder.StopReason    `json:"stop_reason,omitempty"`
}

// checkpointMeta is a checkpoint's meta.json.
type checkpointMeta struct {
	Config  config.Config       `json:"config"`
	State   runState            `json:"state"`
	Dataset string              `json:"dataset_sha256"`
	DataDir string              `json:"data_dir,omitempty"` // the folder the data was read from
	Data    runfolder.DataShape `json:"data"`
	Backend string              `json:"backend"`
	Build   buildinfo.Info      `json:"build"`
}

// TrainedOn returns what checkpoint c records of the data it was trained
// on: the dataset's SHA-256 and the folder it was read from. Checkpoints
// older than the folder's record fall back to the run's summary.json; dir
// is "" when neither knows.
func TrainedOn(c *checkpoint.Checkpoint) (dataset, dir string) {
	var meta checkpointMeta
	if err := json.Unmarshal(c.Meta, &meta); err != nil {
		return "", ""
	}
	dir = meta.DataDir
	if dir == "" {
		if s, err := runfolder.ReadSummary(RunDirOf(c)); err == nil { // bounded, type checked
			dir = s.Data.Dir
		}
	}
	return meta.Dataset, dir
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

// DataShapeOf returns the shape of the dataset m.
func DataShapeOf(m *data.MNIST) runfolder.DataShape {
	return runfolder.DataShape{Classes: m.Classes, ImageRows: m.Train.Rows, ImageCols: m.Train.Cols}
}
