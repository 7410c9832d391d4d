package train

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/neurona/neurona/internal/atomicfile"
	"github.com/neurona/neurona/internal/safefile"
	"github.com/neurona/neurona/internal/safejson"
	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train/checkpoint"
	"github.com/neurona/neurona/train/config"
)

// EpochMetrics is one line of metrics.jsonl.
type EpochMetrics struct {
	Epoch             int      `json:"epoch"`
	GlobalStep        int      `json:"global_step"`
	TrainLoss         float64  `json:"train_loss"`
	TrainAccuracy     float64  `json:"train_accuracy"`
	ValLoss           *float64 `json:"val_loss,omitempty"`
	ValAccuracy       *float64 `json:"val_accuracy,omitempty"`
	ExamplesPerSecond float64  `json:"examples_per_second"`
	EpochSeconds      float64  `json:"epoch_seconds"`
	ElapsedSeconds    float64  `json:"elapsed_seconds"`
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
	Build              BuildInfo      `json:"build"`
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

// DefaultRunDir is runs/<model>-<timestamp> under the current folder: the
// name NewRunDir tries first.
func DefaultRunDir(model string, now time.Time) string {
	return filepath.Join("runs", model+"-"+now.Format("20060102-150405"))
}

// maxRunDirTries bounds the suffixes NewRunDir tries (-2 ... -999).
const maxRunDirTries = 999

// NewRunDir creates a new, empty run folder for a run of model started at
// now: DefaultRunDir, or with -2, -3... appended when that exists. Each
// name is claimed with one os.Mkdir, which fails if it exists, so two runs
// started in the same second (in two processes) never share a folder.
func NewRunDir(model string, now time.Time) (string, error) {
	base := DefaultRunDir(model, now)
	if err := os.MkdirAll(filepath.Dir(base), 0o755); err != nil {
		return "", fmt.Errorf("create run folder: %w", err)
	}
	for i := 1; i <= maxRunDirTries; i++ {
		dir := base
		if i > 1 {
			dir = fmt.Sprintf("%s-%d", base, i)
		}
		err := os.Mkdir(dir, 0o755)
		if err == nil {
			return dir, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return "", fmt.Errorf("create run folder: %w", err)
		}
	}
	return "", fmt.Errorf("create run folder: %s and %d others like it exist already; choose one with --run-dir", base, maxRunDirTries-1)
}

// runDir writes a run's files.
type runDir struct {
	dir     string
	metrics *os.File
}

// createRunDir opens metrics.jsonl of a new run in dir, which the caller
// has created and locked. A folder that holds checkpoints holds a run to
// resume and is refused; one whose run stopped before its first
// checkpoint (killed, or diverged) has nothing to resume, so the run starts
// there afresh: restarted says so, its metrics.jsonl is emptied and its
// summary.json removed.
func createRunDir(dir string) (rd *runDir, restarted bool, err error) {
	infos, err := checkpoint.List(CheckpointsDir(dir), false)
	if err != nil {
		return nil, false, fmt.Errorf("run folder %s: %w", dir, err)
	}
	if len(infos) > 0 {
		return nil, false, fmt.Errorf("run folder %s already holds a run (continue it with --resume %s, or choose another --run-dir)", dir, dir)
	}
	if isRunFolder(dir) {
		restarted = true
		if err := os.Remove(filepath.Join(dir, "summary.json")); err != nil && !os.IsNotExist(err) {
			return nil, false, fmt.Errorf("restart run folder %s: %w", dir, err)
		}
	}
	f, err := safefile.OpenFile(filepath.Join(dir, "metrics.jsonl"), os.O_CREATE|os.O_WRONLY|os.O_TRUNC|os.O_APPEND, 0o644)
	if err != nil {
		return nil, false, fmt.Errorf("create run folder: %w", err)
	}
	return &runDir{dir: dir, metrics: f}, restarted, nil
}

// isRunFolder reports whether dir holds a run's metrics.jsonl or summary.json.
func isRunFolder(dir string) bool {
	for _, name := range []string{"metrics.jsonl", "summary.json"} {
		if _, err := os.Lstat(filepath.Join(dir, name)); err == nil {
			return true
		}
	}
	return false
}

// NoCheckpointError is ResolveCheckpoint's error for a run folder whose
// run stopped before its first checkpoint: there are no weights to resume,
// evaluate or predict with. Its words suit every command; `train --resume`
// adds that there is nothing to resume.
type NoCheckpointError struct {
	Dir string // the run folder
}

func (e *NoCheckpointError) Error() string {
	return fmt.Sprintf("%s is a run folder without a checkpoint: its run stopped before its first save, so it has no trained weights; "+
		"train it again with `neurona train --run-dir %s` and the flags of the run (the folder is reused)", e.Dir, e.Dir)
}

// appendEpoch adds an epoch's line to metrics.jsonl.
func (r *runDir) appendEpoch(m EpochMetrics) error { return r.appendLine(m) }

// appendLine adds one line to metrics.jsonl: an EpochMetrics or a
// StepMetrics.
func (r *runDir) appendLine(v any) error {
	line, err := safejson.Marshal(v)
	if err != nil {
		return err
	}
	if _, err := r.metrics.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("write %s: %w", r.metrics.Name(), err)
	}
	return nil
}

// writeSummary writes summary.json through a temporary file and a rename,
// so a reader never sees half of it.
func (r *runDir) writeSummary(s *Summary) error {
	return writeJSONAtomic(filepath.Join(r.dir, "summary.json"), s)
}

func (r *runDir) close() error {
	if err := r.metrics.Close(); err != nil {
		return fmt.Errorf("close %s: %w", r.metrics.Name(), err)
	}
	return nil
}

func writeJSONAtomic(path string, v any) error {
	data, err := safejson.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(path, append(data, '\n'))
}
