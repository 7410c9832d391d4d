package cli

import (
	"errors"
	"strings"
	"testing"

	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train"
	"github.com/neurona/neurona/train/backend"
	"github.com/neurona/neurona/train/checkpoint"
	"github.com/neurona/neurona/train/config"
	"github.com/neurona/neurona/train/runfolder"
)

// TestTrainViewShowsEachEventAsItsLines shows events one at a time and
// checks the lines `neurona train` prints for each, on stdout and stderr:
// the command line's words, flags included, come from the view, never
// from the engine.
func TestTrainViewShowsEachEventAsItsLines(t *testing.T) {
	val, acc := 0.25, 0.93
	cfg := config.Defaults(models.Perceptron)
	cfg.Epochs, cfg.Seed, cfg.RunDir, cfg.StepsPerCall, cfg.BatchSize = 3, 7, "runs/p", 1, 32
	resident := cfg
	resident.DataOnDevice = true
	summary := &runfolder.Summary{Hyperparameters: cfg, StopReason: runfolder.StopPatience,
		StoppedBecause: "validation accuracy did not improve for 2 epochs", TestLoss: &val, TestAccuracy: &acc,
		EvaluatedEpoch: 2, GlobalStep: 1, TrainSeconds: 1.25, ExamplesPerSecond: 1000, CompileSeconds: 0.5,
		RunDir: "runs/p", Checkpoints: 3, CheckpointSeconds: 0.04}
	allEpochs := *summary
	allEpochs.Epochs, allEpochs.StopReason, allEpochs.StoppedBecause = 3, runfolder.StopEpochs, "trained the 3 epochs asked for"
	for _, tc := range []struct {
		name           string
		event          train.Event
		stdout, stderr string
	}{
		{"a resumed run with nothing to train says how to train longer",
			train.NothingToTrain{Stopped: train.AlreadyStopped{Epochs: 2, Reason: runfolder.StopEpochs, Because: "trained the 2 epochs asked for"}},
			"nothing to train: the run already stopped after 2 epochs (reached --epochs 2); pass --epochs N, N > 2, to train longer\n", ""},
		{"a restarted folder is said",
			train.Restarted{Dir: "runs/x"},
			"restart  runs/x held a run that stopped before its first checkpoint, with nothing to resume; starting it afresh\n", ""},
		{"the plan names the model, backend, data and recipe",
			train.Planned{Config: cfg, Parameters: 7850, Shapes: []models.Param{{Name: "/w", Shape: []int{10, 784}}, {Name: "/b", Shape: []int{10}}},
				Backend: "go (CPU)", Data: runfolder.DataInfo{Dir: "/d", Source: "the folder given", Train: 90, Val: 10, Test: 5}},
			"model    " + cfg.Model.String() + ", 7850 parameters: /w [10 784] /b [10]\n" +
				"backend  go (CPU)\n" +
				"data     /d (--data-dir): 90 train, 10 validation, 5 test\n" +
				"train    " + cfg.Recipe() + ", batch 32, one step at a time, up to 3 epochs, seed 7 -> runs/p\n", ""},
		{"data on the device adds what it holds",
			train.Planned{Config: resident, Backend: "xla:cuda", Data: runfolder.DataInfo{Dir: "/d"}, ResidentBytes: 2000, IndexBytes: 128},
			"model    " + cfg.Model.String() + ", 0 parameters:\nbackend  xla:cuda\ndata     /d: 0 train, 0 validation, 0 test\n" +
				"train    " + cfg.Recipe() + ", batch 32, one step at a time, up to 3 epochs, seed 7 -> runs/p\n" +
				"data     resident on the device: 2.0 kB of images and labels, 128 B of indices sent per step\n", ""},
		{"a note is a note line",
			train.Noted{Note: "the While loop did not compile"},
			"note     the While loop did not compile\n", ""},
		{"a precision no faster here is a note naming the flag that keeps full precision",
			train.PrecisionNotFaster{Precision: "bf16", Backend: "go", Slowdown: 1.2},
			"note     --precision bf16 on go is no faster than f32 (a step takes about 1.2x as long: this backend has no bf16 arithmetic); " +
				"--precision f32 keeps full precision here, and the checkpoints hold float32 weights either way\n", ""},
		{"compilation times, and the cache when there is one",
			train.Compiled{BatchShapes: 2, CompileSeconds: 1.5, InitSeconds: 0.25, WarmupSeconds: 0.125, Cache: backend.CacheUse{Dir: "/c", Before: 3, After: 4}},
			"compile  the training step (2 batch shapes) and the evaluation step in 1.50s; variables initialized in 0.25s, first use warmed up in 0.12s\n" +
				"compile  XLA autotune cache partly warm (4 entries, 1 new, /c)\n", ""},
		{"a member of a group says the group compiles its training step",
			train.Compiled{GroupSteps: true, CompileSeconds: 0.5, InitSeconds: 0.25, WarmupSeconds: 0.125},
			"compile  the evaluation step (the group's program compiles the training step) in 0.50s; variables initialized in 0.25s, first use warmed up in 0.12s\n", ""},
		{"a member of a group that shares its calls says so",
			train.Compiled{GroupSteps: true, GroupCalls: true, CompileSeconds: 0.5, InitSeconds: 0.25, WarmupSeconds: 0.125},
			"compile  its part of the group's program (the training step, evaluation and prediction, compiled once for the group) in 0.50s; " +
				"variables initialized in 0.25s, first use warmed up in 0.12s\n", ""},
		{"a resume mid-epoch says where",
			train.Resumed{Dir: "runs/p/checkpoints/ckpt-000000013", GlobalStep: 13, Epoch: 1, StepInEpoch: 2},
			"resume   from runs/p/checkpoints/ckpt-000000013: step 13, 1 epoch done, 2 steps into epoch 2\n", ""},
		{"memory with the device's",
			train.Memory{StateBytes: 31400, HostDataBytes: 54_880_000, PeakRSSMB: 210, Device: "GPU 0: 1.2 GB used"},
			"memory   model and optimizer state 31.4 kB, data on the host 54.9 MB, process peak so far 210 MB\nmemory   GPU 0: 1.2 GB used\n", ""},
		{"finishing a run killed before its summary names the rule's flag",
			train.Finishing{Epochs: 4, Reason: runfolder.StopTol, Because: "training loss did not improve by 0.001 for 5 epochs"},
			"finish   the run stopped after 4 epochs (training loss did not improve by 0.001 for 5 epochs (--tol, --n-iter-no-change)) before writing its summary; testing it now\n", ""},
		{"a checkpoint between epochs is its own line",
			train.CheckpointSaved{Path: "runs/p/checkpoints/ckpt-000000003", Size: 1500, Seconds: 0.015, Why: "step"},
			"checkpoint ckpt-000000003 (1.5 kB, 0.01s)\n", ""},
		{"an epoch's checkpoint waits for the epoch's line",
			train.CheckpointSaved{Path: "runs/p/checkpoints/ckpt-000000003", Size: 1500, Seconds: 0.015, Why: "epoch"}, "", ""},
		{"an epoch's line: metrics, speed, the best mark and its checkpoint",
			train.EpochEnded{Metrics: runfolder.EpochMetrics{Epoch: 2, TrainLoss: 0.5, TrainAccuracy: 0.875, ValLoss: &val, ValAccuracy: &acc, ExamplesPerSecond: 12345, ElapsedSeconds: 3.5},
				Epochs: 3, Best: true, Saved: &train.CheckpointSaved{Path: "runs/p/checkpoints/ckpt-000000020", Size: 31400, Seconds: 0.02, Why: "epoch"}},
			"epoch   2/3  train loss 0.5000 acc 0.8750  val loss 0.2500 acc 0.9300    12345 ex/s     3.5s  *  saved ckpt-000000020 (31.4 kB, 0.02s)\n", ""},
		{"an epoch without validation",
			train.EpochEnded{Metrics: runfolder.EpochMetrics{Epoch: 1, TrainLoss: 0.5, TrainAccuracy: 0.875, ExamplesPerSecond: 10, ElapsedSeconds: 1}, Epochs: 1},
			"epoch   1/1  train loss 0.5000 acc 0.8750       10 ex/s     1.0s\n", ""},
		{"the end: why it stopped, the test, the run",
			train.Tested{Summary: summary, CheckpointBytes: 94200},
			"stopped: validation accuracy did not improve for 2 epochs (--patience)\n" +
				"test     loss 0.2500  accuracy 0.9300  (weights of epoch 2; 1 step, 1.2s training, 1000 examples/s, compile 0.50s)\n" +
				"run      runs/p (checkpoints: 3 saved in 0.04s, 94.2 kB kept on disk)\n", ""},
		{"a run that trained its epochs names the flag",
			train.Tested{Summary: &allEpochs, CheckpointBytes: 94200},
			"stopped: reached --epochs 3\n" +
				"test     loss 0.2500  accuracy 0.9300  (weights of epoch 2; 1 step, 1.2s training, 1000 examples/s, compile 0.50s)\n" +
				"run      runs/p (checkpoints: 3 saved in 0.04s, 94.2 kB kept on disk)\n", ""},
		{"a repaired metrics.jsonl is the train command's warning",
			train.Warned{Warning: &train.MetricsRepair{Path: "runs/p/metrics.jsonl", Epoch: 2, Lost: true}},
			"", "neurona train: warning: runs/p/metrics.jsonl: epoch 2 has no line and no checkpoint holds its metrics; its curves point is lost\n"},
		{"a backend's fallback is neurona's warning",
			train.Warned{Warning: &backend.FallbackError{Backend: "xla:cuda", Err: errors.New("start backend xla:cuda: no GPU")}},
			"", "neurona: start backend xla:cuda: no GPU; falling back to the Go backend (CPU)\n"},
		{"a checkpoint set aside is neurona's warning",
			train.Warned{Warning: &checkpoint.SetAside{Dir: "c/ckpt-1", Aside: "c/ckpt-1.corrupt-1", Err: errors.New("bad")}},
			"", "neurona: c/ckpt-1 was not a valid checkpoint (bad); kept as c/ckpt-1.corrupt-1\n"},
		{"a warning is escaped for the terminal",
			train.Warned{Warning: &train.MetricsRepair{Damaged: "m.jsonl:1: damaged line skipped (\x1b[31m)"}},
			"", "neurona train: warning: m.jsonl:1: damaged line skipped (\\x1b[31m)\n"},
		{"events with nothing to show show nothing",
			train.RunFolderLocked{Dir: "runs/p"}, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr strings.Builder
			v := newTrainView(&stdout, &stderr)
			v.observe(tc.event)
			if stdout.String() != tc.stdout || stderr.String() != tc.stderr {
				t.Errorf("stdout:\n%q\nwant:\n%q\nstderr:\n%q\nwant:\n%q", stdout.String(), tc.stdout, stderr.String(), tc.stderr)
			}
		})
	}
}
