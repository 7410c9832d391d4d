package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/neurona/neurona/train"
	"github.com/neurona/neurona/train/checkpoint"

	"github.com/neurona/neurona/internal/human"
	"github.com/neurona/neurona/internal/safejson"
	"github.com/spf13/cobra"
)

// bestMetric is the manifest metric the trainer keeps the best checkpoint by.
const bestMetric = "val_accuracy"

// checkpointsOptions is what `neurona checkpoints` was asked to do.
type checkpointsOptions struct {
	sub      string // list, inspect, verify or prune
	path     string // a run folder, or for inspect and verify a checkpoint folder too
	json     bool
	keepLast int
	keepBest bool
}

// newCmdCheckpoints builds `neurona checkpoints` and its subcommands;
// runF, if not nil, runs instead of the subcommand's work.
func newCmdCheckpoints(e *env, runF func(*checkpointsOptions) error) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "checkpoints <list|inspect|verify|prune> <run-dir>",
		Short: "list, inspect, verify or prune a run's checkpoints",
		Args:  cobra.ArbitraryArgs,
		RunE:  groupRunE,
	}
	sub := func(name, use, short, what string, run func(*env, *checkpointsOptions) error) (*cobra.Command, *checkpointsOptions) {
		o := &checkpointsOptions{sub: name}
		c := &cobra.Command{
			Use:   use,
			Short: short,
			Args:  onePath(what),
			RunE: func(_ *cobra.Command, args []string) error {
				o.path = args[0]
				if o.sub == "prune" && o.keepLast < 1 {
					return usagef("--keep-last %d (must be >= 1: prune never deletes the newest checkpoint)", o.keepLast)
				}
				if runF != nil {
					return runF(o)
				}
				return run(e, o)
			},
		}
		cmd.AddCommand(c)
		return c, o
	}
	list, o := sub("list", "list <run-dir>", "one line per checkpoint of a run: step, epoch, why it was saved, validation accuracy, size, and whether it is valid",
		"the run folder", checkpointsList)
	list.Flags().BoolVar(&o.json, "json", false, "print JSON")
	inspect, o := sub("inspect", "inspect <run-dir|checkpoint>", "a checkpoint's manifest, saved configuration and variables (given a run folder: the checkpoint of the epoch the run tested, as eval uses)",
		"the run folder or checkpoint", checkpointsInspect)
	inspect.Flags().BoolVar(&o.json, "json", false, "print JSON")
	sub("verify", "verify <run-dir|checkpoint>", "check every checkpoint's files against its manifest (sizes, SHA-256, variable layout); exits 1 if any is corrupt",
		"the run folder or checkpoint", checkpointsVerify)
	prune, o := sub("prune", "prune <run-dir>", "delete old checkpoints: keep the --keep-last newest and the best by val_accuracy; corrupt ones are left alone",
		"the run folder", checkpointsPrune)
	prune.Flags().IntVar(&o.keepLast, "keep-last", 3, "newest valid checkpoints to keep (at least 1)")
	prune.Flags().BoolVar(&o.keepBest, "keep-best", true, "also keep the checkpoint with the best "+bestMetric)
	for _, c := range cmd.Commands() {
		c.ValidArgsFunction = completeDirs
	}
	return cmd
}

// isCheckpoint reports whether dir is a checkpoint folder (it has a
// manifest, or is named like one).
func isCheckpoint(dir string) bool {
	if _, err := os.Stat(filepath.Join(dir, checkpoint.ManifestFile)); err == nil {
		return true
	}
	return strings.HasPrefix(filepath.Base(filepath.Clean(dir)), "ckpt-")
}

// checkPath turns a path that names nothing usable into a usage error: a
// missing folder, or one that is neither a run folder nor a checkpoint.
func checkPath(path string, checkpointOK bool) error {
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return usagef("%s does not exist", path)
	case err != nil:
		return err
	case !st.IsDir() && checkpointOK:
		return usagef("%s is not a folder (want a run folder or a checkpoint folder)", path)
	case !st.IsDir():
		return usagef("%s is not a folder (want a run folder)", path)
	case isCheckpoint(path):
		if !checkpointOK {
			return usagef("%s is a checkpoint, not a run folder", path)
		}
		return nil
	}
	if _, err := os.Stat(train.CheckpointsDir(path)); err == nil {
		return nil
	}
	if _, err := os.Stat(filepath.Join(path, "metrics.jsonl")); err == nil {
		return nil // a run stopped before its first checkpoint
	}
	return usagef("%s is not a run folder: it has no checkpoints/ folder", path)
}

// resolveCheckpoint opens the checkpoint path names (a checkpoint folder,
// or a run folder's newest valid one), reporting each newer corrupt
// checkpoint it skipped on stderr.
func resolveCheckpoint(e *env, name, path string) (*checkpoint.Checkpoint, error) {
	if err := checkPath(path, true); err != nil {
		return nil, err
	}
	c, skipped, err := train.ResolveCheckpoint(path)
	for _, s := range skipped {
		fmt.Fprintf(e.stderr, "neurona %s: skipped corrupt checkpoint: %s\n", name, oneLine(s.Error()))
	}
	return c, err
}

// ckptStatus opens info.Dir fully (manifest, sizes, checksums and variable
// layout): the check that loading it would make.
func ckptStatus(info checkpoint.Info) error {
	if info.Err != nil {
		return info.Err
	}
	_, err := checkpoint.Open(info.Dir)
	return err
}

// shortError drops what a checkpoint error repeats of its context: the
// folder (shown in its own column) and the package prefix.
func shortError(dir string, err error) string {
	msg := oneLine(err.Error())
	msg = strings.TrimPrefix(msg, "checkpoint "+dir+": ")
	return strings.ReplaceAll(msg, "checkpoint: ", "")
}

// diskUsage is the total size of the files under dir.
func diskUsage(dir string) int64 {
	var n int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}

// tempFolders counts the leftover .tmp-* folders of interrupted saves.
func tempFolders(dir string) int {
	entries, _ := os.ReadDir(dir)
	n := 0
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".tmp-") {
			n++
		}
	}
	return n
}

// bestOf returns the folder of the valid checkpoint with the highest
// bestMetric, as the trainer's retention picks it, or "".
func bestOf(infos []checkpoint.Info, errs []error) string {
	best, value := "", 0.0
	for i, info := range infos {
		v, ok := info.Manifest.Metrics[bestMetric]
		if errs[i] == nil && ok && (best == "" || v > value) {
			best, value = info.Dir, v
		}
	}
	return best
}

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
	dir := train.CheckpointsDir(o.path)
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
		return safejson.Encode(e.stdout, entries)
	}
	if len(infos) == 0 {
		fmt.Fprintf(e.stdout, "no checkpoints in %s\n", dir)
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
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", filepath.Base(info.Dir), step, epoch, reason, acc, human.Bytes(info.Size), status)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if best != "" {
		fmt.Fprintf(e.stdout, "* best %s (kept by prune unless --keep-best=false)\n", bestMetric)
	}
	fmt.Fprintf(e.stdout, "%s, %s on disk in %s\n", human.Count(len(infos), "checkpoint"), human.Bytes(diskUsage(dir)), dir)
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
		dir = train.CheckpointsDir(o.path)
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
			fmt.Fprintf(w, "CORRUPT\t%s\t%s\n", filepath.Base(info.Dir), shortError(info.Dir, err))
			continue
		}
		fmt.Fprintf(w, "ok\t%s\tstep %d, epoch %d, %d files checked\n", filepath.Base(info.Dir), info.Manifest.Step, info.Manifest.Epoch, len(info.Manifest.Files)+1)
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
	dir := train.CheckpointsDir(o.path)
	before, err := checkpoint.List(dir, true)
	if err != nil {
		return err
	}
	sizes := map[string]checkpoint.Info{}
	for _, info := range before {
		sizes[info.Dir] = info
	}
	// A run still training holds the lock; pruning under it could race
	// with its own retention.
	unlock, err := train.LockRunFor(o.path, "pruning")
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
		fmt.Fprintf(e.stdout, "deleted %s (step %d, epoch %d, %s)\n", filepath.Base(d), info.Manifest.Step, info.Manifest.Epoch, human.Bytes(info.Size))
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
			fmt.Fprintf(e.stdout, "left %s alone: it is corrupt (see `neurona checkpoints verify`)\n", filepath.Base(info.Dir))
		}
	}
	fmt.Fprintf(e.stdout, "%s left, %s on disk in %s (freed %s)\n", human.Count(len(before)-len(deleted), "checkpoint"), human.Bytes(diskUsage(dir)), dir, human.Bytes(freed))
	return nil
}
