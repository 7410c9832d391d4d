package cli

import (
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/neurona/neurona/train"
	"github.com/neurona/neurona/train/checkpoint"
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

const checkpointsHelp = `Usage: neurona checkpoints <list|inspect|verify|prune> <run-dir> [flags]

  list     one line per checkpoint of a run: step, epoch, why it was saved,
           validation accuracy, size, and whether it is valid
  inspect  a checkpoint's manifest, saved configuration and variables
           (given a run folder: its newest valid checkpoint)
  verify   check every checkpoint's files against its manifest (sizes,
           SHA-256, variable layout); exits 1 if any is corrupt
  prune    delete old checkpoints: keep the --keep-last newest and the best
           by val_accuracy; refuses while any checkpoint is corrupt (do not
           run it while that run trains)

Run ` + "`neurona checkpoints <subcommand> --help`" + ` for its flags.`

// parseCheckpoints fills checkpointsOptions from args.
func parseCheckpoints(args []string, e *env) (*checkpointsOptions, error) {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" || args[0] == "help" {
		fmt.Fprintln(e.stdout, checkpointsHelp)
		if len(args) == 0 {
			return nil, usagef("missing subcommand (accepted: list, inspect, verify, prune)")
		}
		return nil, flag.ErrHelp
	}
	o := &checkpointsOptions{sub: args[0]}
	var fs *flag.FlagSet
	switch o.sub {
	case "list":
		fs = newFlags("checkpoints list", "checkpoints list <run-dir> [--json]", e.stdout)
		fs.BoolVar(&o.json, "json", false, "print JSON")
	case "inspect":
		fs = newFlags("checkpoints inspect", "checkpoints inspect <checkpoint|run-dir> [--json]", e.stdout)
		fs.BoolVar(&o.json, "json", false, "print JSON")
	case "verify":
		fs = newFlags("checkpoints verify", "checkpoints verify <run-dir|checkpoint>", e.stdout)
	case "prune":
		fs = newFlags("checkpoints prune", "checkpoints prune <run-dir> [--keep-last N] [--keep-best=false]", e.stdout)
		fs.IntVar(&o.keepLast, "keep-last", 3, "newest valid checkpoints to keep (at least 1)")
		fs.BoolVar(&o.keepBest, "keep-best", true, "also keep the checkpoint with the best "+bestMetric)
	default:
		return nil, usagef("unknown subcommand %q (accepted: list, inspect, verify, prune)", o.sub)
	}
	pos, err := parseInterspersed(fs, args[1:])
	if err != nil {
		return nil, err
	}
	switch {
	case len(pos) == 0:
		return nil, usagef("missing the run folder (see `%s --help`)", fs.Name())
	case len(pos) > 1:
		return nil, usagef("unexpected argument %q (%s takes one folder)", pos[1], fs.Name())
	}
	o.path = pos[0]
	if o.sub == "prune" && o.keepLast < 1 {
		return nil, usagef("--keep-last %d (must be >= 1: prune never deletes the newest checkpoint)", o.keepLast)
	}
	return o, nil
}

func runCheckpoints(e *env, args []string) error {
	o, err := parseCheckpoints(args, e)
	if err != nil {
		return err
	}
	switch o.sub {
	case "list":
		return checkpointsList(e, o)
	case "inspect":
		return checkpointsInspect(e, o)
	case "verify":
		return checkpointsVerify(e, o)
	default:
		return checkpointsPrune(e, o)
	}
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

// plural says "1 checkpoint", "2 checkpoints".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// humanBytes prints a size in decimal units, as the training log does.
func humanBytes(n int64) string {
	switch {
	case n < 1000:
		return fmt.Sprintf("%d B", n)
	case n < 1e6:
		return fmt.Sprintf("%.1f kB", float64(n)/1e3)
	case n < 1e9:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	}
	return fmt.Sprintf("%.2f GB", float64(n)/1e9)
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
