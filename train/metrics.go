package train

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/neurona/neurona/internal/atomicfile"
	"github.com/neurona/neurona/internal/safefile"
	"github.com/neurona/neurona/internal/safejson"
	"github.com/neurona/neurona/train/checkpoint"
	"github.com/neurona/neurona/train/runfolder"
)

// openRunDir reopens a run folder for a run resumed with state st:
// metrics.jsonl is rewritten with one line for each epoch the checkpoint
// had completed, in order. Lines of later epochs go (a crash between an
// epoch's line and its checkpoint would otherwise repeat that epoch);
// damaged lines are skipped with a warning, and an epoch whose line is
// missing or damaged gets it back from what the checkpoints know: the
// resumed checkpoint's own record of its last epoch, else the metrics in
// the manifest of that epoch's checkpoint (without timings).
func openRunDir(dir string, st runState, warn func(error)) (*runDir, error) {
	path := filepath.Join(dir, "metrics.jsonl")
	read, damaged, err := runfolder.ReadRunMetrics(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("resume: %w", err)
	}
	for _, d := range damaged {
		warn(&MetricsRepair{Path: path, Damaged: d})
	}
	byEpoch := map[int]runfolder.EpochMetrics{}
	for _, m := range read.Epochs {
		if m.Epoch <= st.Epoch {
			byEpoch[m.Epoch] = m
		}
	}
	if len(byEpoch) < st.Epoch {
		restoreEpochs(byEpoch, st, runfolder.CheckpointsDir(dir), path, warn)
	}
	kept, err := keptLines(byEpoch, read.Steps, st.GlobalStep)
	if err != nil {
		return nil, fmt.Errorf("resume: %w", err)
	}
	if err := atomicfile.WriteFile(path, kept); err != nil {
		return nil, fmt.Errorf("resume: %w", err)
	}
	f, err := safefile.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("resume: %w", err)
	}
	return &runDir{dir: dir, metrics: f}, nil
}

// keptLines is metrics.jsonl of a resumed run: the epoch lines of byEpoch
// and the step lines up to step lastStep (later ones, written after the
// checkpoint, come again), one per step, ordered by step with a step's
// step line before its epoch line, as the run writes them.
func keptLines(byEpoch map[int]runfolder.EpochMetrics, steps []runfolder.StepMetrics, lastStep int) ([]byte, error) {
	type line struct {
		step, order int // order: 0 a step line, 1 an epoch line
		v           any
	}
	var lines []line
	seen := map[int]bool{}
	for _, s := range steps {
		if s.GlobalStep <= lastStep && !seen[s.GlobalStep] {
			seen[s.GlobalStep] = true
			lines = append(lines, line{s.GlobalStep, 0, s})
		}
	}
	for e, m := range byEpoch {
		lines = append(lines, line{m.GlobalStep, 1 + e, m})
	}
	slices.SortStableFunc(lines, func(a, b line) int {
		if a.step != b.step {
			return a.step - b.step
		}
		return a.order - b.order
	})
	var kept []byte
	for _, l := range lines {
		b, err := safejson.Marshal(l.v)
		if err != nil {
			return nil, err
		}
		kept = append(append(kept, b...), '\n')
	}
	return kept, nil
}

// restoreEpochs fills the epochs 1..st.Epoch missing from byEpoch from the
// checkpoints, warning about each one restored or lost.
func restoreEpochs(byEpoch map[int]runfolder.EpochMetrics, st runState, ckptDir, path string, warn func(error)) {
	if last := st.LastEpoch; last != nil && last.Epoch == st.Epoch && last.Epoch >= 1 {
		if _, ok := byEpoch[last.Epoch]; !ok {
			byEpoch[last.Epoch] = *last
			warn(&MetricsRepair{Path: path, Epoch: last.Epoch, From: ""})
		}
	}
	infos, _ := checkpoint.List(ckptDir, false)
	for _, info := range infos {
		mf := info.Manifest
		trainLoss, ok := mf.Metrics["train_loss"]
		if info.Err != nil || !ok || mf.Reason != "epoch" || mf.Epoch < 1 || mf.Epoch > st.Epoch {
			continue
		}
		if _, have := byEpoch[mf.Epoch]; have {
			continue
		}
		m := runfolder.EpochMetrics{Epoch: mf.Epoch, GlobalStep: mf.Step, TrainLoss: trainLoss, TrainAccuracy: mf.Metrics["train_accuracy"]}
		if v, ok := mf.Metrics["val_loss"]; ok {
			m.ValLoss = &v
		}
		if v, ok := mf.Metrics["val_accuracy"]; ok {
			m.ValAccuracy = &v
		}
		byEpoch[mf.Epoch] = m
		warn(&MetricsRepair{Path: path, Epoch: mf.Epoch, From: info.Dir})
	}
	for e := 1; e <= st.Epoch; e++ {
		if _, ok := byEpoch[e]; !ok {
			warn(&MetricsRepair{Path: path, Epoch: e, Lost: true})
		}
	}
}
