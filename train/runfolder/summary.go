package runfolder

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"time"

	"github.com/neurona/neurona/data"
	"github.com/neurona/neurona/internal/safefile"
	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train/buildinfo"
	"github.com/neurona/neurona/train/config"
)

// SummaryFile is the name of a run folder's summary.
const SummaryFile = "summary.json"

// maxSummaryBytes bounds the summary.json read back: a real one is a few
// kilobytes.
const maxSummaryBytes = 16 << 20

// ReadSummary reads the summary.json of the run folder runDir. A missing
// file gives an error wrapping fs.ErrNotExist; a named pipe, device or
// folder one wrapping safefile.ErrNotRegular (it is never opened); one
// larger than 16 MB one wrapping safefile.ErrTooLarge (never read); one
// not JSON an error naming it.
func ReadSummary(runDir string) (*Summary, error) {
	path := filepath.Join(runDir, SummaryFile)
	b, err := safefile.ReadFile(path, maxSummaryBytes)
	if err != nil {
		return nil, err
	}
	var s Summary
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &s, nil
}

// Summary is summary.json, written at the end of a run.
type Summary struct {
	Model              models.Spec    `json:"model"`
	Hyperparameters    config.Config  `json:"hyperparameters"`
	Backend            string         `json:"backend"`
	BackendDescription string         `json:"backend_description"`
	Epochs             int            `json:"epochs"`
	GlobalStep         int            `json:"global_step"`
	StoppedBecause     string         `json:"stopped_because"` // in words; StopReason says it as a value
	StopReason         StopReason     `json:"stop_reason,omitempty"`
	BestEpoch          int            `json:"best_epoch,omitempty"`
	BestValAccuracy    *float64       `json:"best_val_accuracy,omitempty"`
	Checkpoints        int            `json:"checkpoints_saved"`
	CheckpointSeconds  float64        `json:"checkpoint_seconds"`
	LastCheckpoint     string         `json:"last_checkpoint,omitempty"`
	EvaluatedEpoch     int            `json:"evaluated_epoch"`
	CompileSeconds     float64        `json:"compile_seconds"`
	TrainSeconds       float64        `json:"train_seconds"`
	WallSeconds        float64        `json:"wall_seconds"`
	ExamplesPerSecond  float64        `json:"examples_per_second"`
	StepsPerSecond     float64        `json:"steps_per_second"`
	TrainLoss          float64        `json:"train_loss"`
	TrainAccuracy      float64        `json:"train_accuracy"`
	ValLoss            *float64       `json:"val_loss,omitempty"`
	ValAccuracy        *float64       `json:"val_accuracy,omitempty"`
	TestLoss           *float64       `json:"test_loss,omitempty"`
	TestAccuracy       *float64       `json:"test_accuracy,omitempty"`
	Parameters         int            `json:"parameters"`
	ParameterShapes    []models.Param `json:"parameter_shapes"`
	Data               DataInfo       `json:"data"`
	RunDir             string         `json:"run_dir"`
	Build              buildinfo.Info `json:"build"`
	StartedAt          time.Time      `json:"started_at"`
	// Evaluation is the full test-set evaluation behind TestAccuracy
	// (confusion matrix, predictions), for the run's pictures.
	Evaluation *Evaluation `json:"-"`

	// InitSeconds and WarmupSeconds are the parts of Compile that are not
	// compilation (CompileTiming): the variables' initial values, and the
	// first-use costs paid before the first timed epoch.
	InitSeconds   float64 `json:"init_seconds"`
	WarmupSeconds float64 `json:"warmup_seconds"`
	// CompileCache is what XLA's compile cache held for this run's
	// compilation (backend.CacheUse.State): "cold", "warm", "partly warm",
	// or "" without one (the Go backend, --compile-cache=false).
	CompileCache string `json:"compile_cache,omitempty"`
	// Group is how many runs trained side by side with this one in one
	// program (train.Group), this one included; 0 for a run alone.
	Group int `json:"group,omitempty"`
}

// DataInfo records where the data came from and how it was split.
type DataInfo struct {
	Dir    string `json:"dir"`
	Source string `json:"source"`
	Train  int    `json:"train_examples"`
	Val    int    `json:"val_examples"`
	Test   int    `json:"test_examples"`
	DataShape
}

// Evaluation is the result of evaluating a model on a labelled set.
type Evaluation struct {
	Examples  int         `json:"examples"`
	Loss      float64     `json:"loss"`
	Accuracy  float64     `json:"accuracy"`
	Precision []float64   `json:"precision"` // per class
	Recall    []float64   `json:"recall"`    // per class
	Confusion [][]int     `json:"confusion"` // [true][predicted]
	Predicted []int       `json:"-"`
	Probs     [][]float32 `json:"-"`
	Wrong     []int       `json:"-"` // indices of misclassified examples
}

// DataShape is what a model needs to know of its data beyond the pixels:
// the classes (with their names) and the image size. Checkpoints and
// summary.json record it for the commands that use a run later.
type DataShape struct {
	Classes   data.Classes `json:"classes"`
	ImageRows int          `json:"image_rows"`
	ImageCols int          `json:"image_cols"`
}
