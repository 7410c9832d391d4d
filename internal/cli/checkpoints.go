package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/neurona/neurona/train"
	"github.com/neurona/neurona/train/checkpoint"
	"github.com/neurona/neurona/train/runfolder"
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
// manifest, or is named like one) or a pointer file to one
// (checkpoints/best, checkpoints/last).
func isCheckpoint(dir string) bool {
	if _, err := os.Stat(filepath.Join(dir, checkpoint.ManifestFile)); err == nil || checkpoint.IsPointer(dir) {
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
	case checkpointOK && checkpoint.IsPointer(path):
		return nil // checkpoints/best or last: train.ResolveCheckpoint reads it
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
	if _, err := os.Stat(runfolder.CheckpointsDir(path)); err == nil {
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
	_, err := train.Checkpoints().Open(info.Dir)
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
