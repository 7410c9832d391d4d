package cli

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/neurona/neurona/train"
	"github.com/neurona/neurona/train/checkpoint"

	"github.com/neurona/neurona/train/safejson"
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
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", filepath.Base(info.Dir), step, epoch, reason, acc, humanBytes(info.Size), status)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if best != "" {
		fmt.Fprintf(e.stdout, "* best %s (kept by prune unless --keep-best=false)\n", bestMetric)
	}
	fmt.Fprintf(e.stdout, "%s, %s on disk in %s\n", plural(len(infos), "checkpoint"), humanBytes(diskUsage(dir)), dir)
	if n := tempFolders(dir); n > 0 {
		fmt.Fprintf(e.stdout, "%s (.tmp-*) of interrupted saves; the next training run in this folder removes them\n", plural(n, "temporary folder"))
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
		return fmt.Errorf("%d of %s corrupt in %s", bad, plural(len(infos), "checkpoint"), dir)
	}
	fmt.Fprintf(e.stdout, "%s, all valid\n", plural(len(infos), "checkpoint"))
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
	unlock, err := train.LockRun(o.path)
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
		fmt.Fprintf(e.stdout, "deleted %s (step %d, epoch %d, %s)\n", filepath.Base(d), info.Manifest.Step, info.Manifest.Epoch, humanBytes(info.Size))
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
	fmt.Fprintf(e.stdout, "%s left, %s on disk in %s (freed %s)\n", plural(len(before)-len(deleted), "checkpoint"), humanBytes(diskUsage(dir)), dir, humanBytes(freed))
	return nil
}

// inspectReport is `checkpoints inspect --json`.
type inspectReport struct {
	Dir       string                `json:"dir"`
	Manifest  checkpoint.Manifest   `json:"manifest"`
	Config    train.Config          `json:"config"`
	Step      int                   `json:"step"`
	Epoch     int                   `json:"epoch"`
	Dataset   string                `json:"dataset_sha256"`
	Backend   string                `json:"backend"`
	Build     json.RawMessage       `json:"build,omitempty"`
	Variables []checkpoint.Variable `json:"variables"`
}

func checkpointsInspect(e *env, o *checkpointsOptions) error {
	c, err := resolveCheckpoint(e, "checkpoints inspect", o.path)
	if err != nil {
		if isCheckpoint(o.path) {
			// Show what still reads of a corrupt checkpoint before failing.
			if m, merr := checkpoint.ReadManifest(o.path); merr == nil && !o.json {
				printManifest(e.stdout, o.path, m)
			}
		}
		return err
	}
	cfg, step, epoch, dataset, err := train.ResumeConfig(c)
	if err != nil {
		return err
	}
	var meta struct {
		Backend string          `json:"backend"`
		Build   json.RawMessage `json:"build"`
	}
	if err := json.Unmarshal(c.Meta, &meta); err != nil {
		return fmt.Errorf("checkpoint %s: %s: %w", c.Dir, checkpoint.MetaFile, err)
	}
	if o.json {
		r := inspectReport{Dir: c.Dir, Manifest: c.Manifest, Config: cfg, Step: step, Epoch: epoch, Dataset: dataset,
			Backend: meta.Backend, Build: meta.Build, Variables: c.Variables}
		b, err := safejson.MarshalIndent(r, "", "  ")
		if err != nil {
			return err
		}
		_, err = e.stdout.Write(append(b, '\n'))
		return err
	}
	printManifest(e.stdout, c.Dir, c.Manifest)
	fmt.Fprintln(e.stdout, "status     valid (sizes, SHA-256 and variable layout match the manifest)")

	fmt.Fprintf(e.stdout, "\nconfiguration (%s)\n", checkpoint.MetaFile)
	w := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(w, "  model\t%s\n", cfg.Model)
	for _, kv := range configFields(cfg) {
		fmt.Fprintf(w, "  %s\t%s\n", kv[0], kv[1])
	}
	fmt.Fprintf(w, "  trained\t%d steps, %d epochs\n", step, epoch)
	fmt.Fprintf(w, "  backend\t%s\n", meta.Backend)
	fmt.Fprintf(w, "  dataset\tSHA-256 %s\n", dataset)
	if b := buildLine(meta.Build); b != "" {
		fmt.Fprintf(w, "  built by\t%s\n", b)
	}
	if err := w.Flush(); err != nil {
		return err
	}

	fmt.Fprintln(e.stdout, "\nvariables")
	w = tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "  PATH\tDTYPE\tSHAPE\tTRAINABLE\tBYTES")
	var params int64
	for _, v := range c.Variables {
		n := int64(1)
		for _, d := range v.Shape {
			n *= int64(d)
		}
		if v.Trainable {
			params += n
		}
		fmt.Fprintf(w, "  %s\t%s\t%v\t%s\t%d\n", v.Path, v.DType, shapeString(v.Shape), yesNo(v.Trainable), v.Size)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "  %d variables, %d trainable parameters\n", len(c.Variables), params)
	return nil
}

// printManifest prints a checkpoint's manifest.
func printManifest(out io.Writer, dir string, m checkpoint.Manifest) {
	fmt.Fprintf(out, "checkpoint %s\n", dir)
	fmt.Fprintf(out, "format     version %d\n", m.FormatVersion)
	fmt.Fprintf(out, "step       %d\n", m.Step)
	fmt.Fprintf(out, "epoch      %d (completed)\n", m.Epoch)
	fmt.Fprintf(out, "reason     %s\n", m.Reason)
	fmt.Fprintf(out, "created    %s\n", m.Created.UTC().Format(time.RFC3339))
	if len(m.Metrics) > 0 {
		names := make([]string, 0, len(m.Metrics))
		for k := range m.Metrics {
			names = append(names, k)
		}
		sort.Strings(names)
		var parts []string
		for _, k := range names {
			parts = append(parts, fmt.Sprintf("%s %.4f", k, m.Metrics[k]))
		}
		fmt.Fprintf(out, "metrics    %s\n", strings.Join(parts, ", "))
	}
	fmt.Fprintln(out, "\nfiles")
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "  NAME\tBYTES\tSHA-256")
	var total int64
	for _, f := range m.Files {
		total += f.Size
		fmt.Fprintf(w, "  %s\t%d\t%s\n", f.Name, f.Size, f.SHA256)
	}
	if info, err := os.Stat(filepath.Join(dir, checkpoint.ManifestFile)); err == nil {
		total += info.Size()
		fmt.Fprintf(w, "  %s\t%d\t(lists the others)\n", checkpoint.ManifestFile, info.Size())
	}
	_ = w.Flush() // out is stdout or a buffer; the caller's next write reports a failure
	fmt.Fprintf(out, "  %s in all\n\n", humanBytes(total))
}

// configFields returns a configuration's fields as JSON names and values,
// in the order of the struct, without the model (printed on its own).
func configFields(cfg train.Config) [][2]string {
	raw, err := safejson.Marshal(cfg)
	if err != nil {
		return nil
	}
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	var out [][2]string
	// Walk the object's tokens to keep the struct's field order.
	if _, err := dec.Token(); err != nil { // {
		return nil
	}
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return out
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return out
		}
		if key == "model" {
			continue
		}
		out = append(out, [2]string{fmt.Sprint(key), strings.Trim(string(v), `"`)})
	}
	return out
}

// buildLine summarizes meta.json's build record.
func buildLine(raw json.RawMessage) string {
	var b train.BuildInfo
	if len(raw) == 0 || json.Unmarshal(raw, &b) != nil {
		return ""
	}
	return fmt.Sprintf("neurona %s, GoMLX %s, %s", b.Version, b.GoMLX, b.GoVersion)
}

func shapeString(shape []int) string {
	if len(shape) == 0 {
		return "scalar"
	}
	return fmt.Sprint(shape)
}
