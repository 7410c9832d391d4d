package cli

import (
	"fmt"
	"path/filepath"
	"text/tabwriter"

	"github.com/neurona/neurona/internal/human"
	"github.com/neurona/neurona/train"
	"github.com/neurona/neurona/train/checkpoint"
	"github.com/neurona/neurona/train/runfolder"
)

// listEntry is one checkpoint in `checkpoints list --json`.
type listEntry struct {
	Name    string             `json:"name"`
	Dir     string             `json:"dir"`
	Step    int                `json:"step"`
	Epoch   int                `json:"epoch"`
	Reason  string             `json:"reason"`
	Metrics map[string]float64 `json:"metrics,omitempty"`
	Size    int64              `json:"size"`
	Valid   bool               `json:"valid"`
	Best    bool               `json:"best,omitempty"`
	Error   string             `json:"error,omitempty"`
}

func checkpointsList(e *env, o *checkpointsOptions) error {
	if err := checkPath(o.path, false); err != nil {
		return err
	}
	dir := runfolder.CheckpointsDir(o.path)
	infos, err := checkpoint.List(dir, false)
	if err != nil {
		return err
	}
	errs := make([]error, len(infos))
	for i, info := range infos {
		errs[i] = ckptStatus(info)
	}
	best := bestOf(infos, errs)
	if o.json {
		entries := []listEntry{}
		for i, info := range infos {
			m := info.Manifest
			le := listEntry{Name: filepath.Base(info.Dir), Dir: info.Dir, Step: m.Step, Epoch: m.Epoch, Reason: m.Reason,
				Metrics: m.Metrics, Size: info.Size, Valid: errs[i] == nil, Best: info.Dir == best}
			if errs[i] != nil {
				le.Error = shortError(info.Dir, errs[i])
			}
			entries = append(entries, le)
		}
		return writeJSON(e.stdout, entries)
	}
	if len(infos) == 0 {
		fmt.Fprintf(e.stdout, "no checkpoints in %s\n", human.Text(dir))
		return nil
	}
	w := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "CHECKPOINT\tSTEP\tEPOCH\tREASON\tVAL_ACCURACY\tSIZE\tSTATUS")
	for i, info := range infos {
		m := info.Manifest
		acc := "-"
		if v, ok := m.Metrics[bestMetric]; ok {
			acc = fmt.Sprintf("%.4f", v)
			if info.Dir == best {
				acc += " *"
			}
		}
		step, epoch, reason := fmt.Sprint(m.Step), fmt.Sprint(m.Epoch), m.Reason
		if m.FormatVersion == 0 { // the manifest did not read
			step, epoch, reason = "?", "?", "?"
		}
		status := "valid"
		if errs[i] != nil {
			status = "CORRUPT: " + shortError(info.Dir, errs[i])
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", human.Text(filepath.Base(info.Dir)), step, epoch, human.Text(reason), acc, human.Bytes(info.Size), human.Text(status))
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if best != "" {
		fmt.Fprintf(e.stdout, "* best %s (kept by prune unless --keep-best=false)\n", bestMetric)
	}
	fmt.Fprintf(e.stdout, "%s, %s on disk in %s\n", human.Count(len(infos), "checkpoint"), human.Bytes(diskUsage(dir)), human.Text(dir))
	if n := tempFolders(dir); n > 0 {
		fmt.Fprintf(e.stdout, "%s (.tmp-*) of interrupted saves; the next training run in this folder removes them\n", human.Count(n, "temporary folder"))
	}
	return nil
}

func checkpointsVerify(e *env, o *checkpointsOptions) error {
	if err := checkPath(o.path, true); err != nil {
		return err
	}
	var infos []checkpoint.Info
	dir := o.path
	if isCheckpoint(o.path) {
		m, err := checkpoint.ReadManifest(o.path)
		infos = []checkpoint.Info{{Dir: o.path, Manifest: m, Err: err}}
	} else {
		dir = runfolder.CheckpointsDir(o.path)
		var err error
		if infos, err = checkpoint.List(dir, false); err != nil {
			return err
		}
	}
	if len(infos) == 0 {
		return fmt.Errorf("no checkpoints in %s", dir)
	}
	w := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	bad := 0
	for _, info := range infos {
		if err := ckptStatus(info); err != nil {
			bad++
			fmt.Fprintf(w, "CORRUPT\t%s\t%s\n", human.Text(filepath.Base(info.Dir)), human.Text(shortError(info.Dir, err)))
			continue
		}
		fmt.Fprintf(w, "ok\t%s\tstep %d, epoch %d, %d files checked\n", human.Text(filepath.Base(info.Dir)), info.Manifest.Step, info.Manifest.Epoch, len(info.Manifest.Files)+1)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if bad > 0 {
		return fmt.Errorf("%d of %s corrupt in %s", bad, human.Count(len(infos), "checkpoint"), dir)
	}
	fmt.Fprintf(e.stdout, "%s, all valid\n", human.Count(len(infos), "checkpoint"))
	return nil
}

func checkpointsPrune(e *env, o *checkpointsOptions) error {
	if err := checkPath(o.path, false); err != nil {
		return err
	}
	dir := runfolder.CheckpointsDir(o.path)
	before, err := train.Checkpoints().List(dir, true)
	if err != nil {
		return err
	}
	sizes := map[string]checkpoint.Info{}
	for _, info := range before {
		sizes[info.Dir] = info
	}
	// A run still training holds the lock; pruning under it could race
	// with its own retention.
	unlock, err := runfolder.LockRunFor(o.path, "pruning")
	if err != nil {
		return err
	}
	defer unlock()
	// Manager.Prune checks every checkpoint fully: corrupt ones are never
	// counted among those kept, and are left for the user to inspect.
	m := &checkpoint.Manager{Dir: dir, KeepLast: o.keepLast}
	if o.keepBest {
		m.BestMetric = bestMetric
	}
	deleted, err := m.Prune()
	var freed int64
	for _, d := range deleted {
		info := sizes[d]
		freed += info.Size
		fmt.Fprintf(e.stdout, "deleted %s (step %d, epoch %d, %s)\n", human.Text(filepath.Base(d)), info.Manifest.Step, info.Manifest.Epoch, human.Bytes(info.Size))
	}
	if err != nil {
		return fmt.Errorf("prune %s: %w", dir, err)
	}
	kept := "the newest"
	if o.keepLast > 1 {
		kept = fmt.Sprintf("the %d newest", o.keepLast)
	}
	if o.keepBest {
		kept += " and the best by " + bestMetric
	}
	if len(deleted) == 0 {
		fmt.Fprintf(e.stdout, "nothing to delete (keeping %s)\n", kept)
	}
	for _, info := range before {
		if info.Err != nil {
			fmt.Fprintf(e.stdout, "left %s alone: it is corrupt (see `neurona checkpoints verify`)\n", human.Text(filepath.Base(info.Dir)))
		}
	}
	fmt.Fprintf(e.stdout, "%s left, %s on disk in %s (freed %s)\n", human.Count(len(before)-len(deleted), "checkpoint"), human.Bytes(diskUsage(dir)), human.Text(dir), human.Bytes(freed))
	return nil
}
