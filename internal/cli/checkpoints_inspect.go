package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/neurona/neurona/internal/human"
	"github.com/neurona/neurona/internal/safejson"
	"github.com/neurona/neurona/train"
	"github.com/neurona/neurona/train/buildinfo"
	"github.com/neurona/neurona/train/checkpoint"
	"github.com/neurona/neurona/train/config"
)

// inspectReport is `checkpoints inspect --json`.
type inspectReport struct {
	Dir       string                `json:"dir"`
	Manifest  checkpoint.Manifest   `json:"manifest"`
	Config    config.Config         `json:"config"`
	Step      int                   `json:"step"`
	Epoch     int                   `json:"epoch"`
	Dataset   string                `json:"dataset_sha256"`
	Backend   string                `json:"backend"`
	Build     json.RawMessage       `json:"build,omitempty"`
	Variables []checkpoint.Variable `json:"variables"`
}

func checkpointsInspect(e *env, o *checkpointsOptions) error {
	c, err := runCheckpoint(e, "checkpoints inspect", o.path)
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
		return writeJSONIndent(e.stdout, r)
	}
	printManifest(e.stdout, c.Dir, c.Manifest)
	fmt.Fprintln(e.stdout, "status     valid (sizes, SHA-256 and variable layout match the manifest)")

	fmt.Fprintf(e.stdout, "\nconfiguration (%s)\n", checkpoint.MetaFile)
	w := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(w, "  model\t%s\n", cfg.Model)
	for _, kv := range configFields(cfg) {
		fmt.Fprintf(w, "  %s\t%s\n", kv[0], human.Text(kv[1]))
	}
	fmt.Fprintf(w, "  trained\t%s, %s\n", human.Count(step, "step"), human.Count(epoch, "epoch"))
	fmt.Fprintf(w, "  backend\t%s\n", backendShown(meta.Backend))
	fmt.Fprintf(w, "  dataset\tSHA-256 %s\n", dataset)
	if b := buildLine(meta.Build); b != "" {
		fmt.Fprintf(w, "  built by\t%s\n", human.Text(b))
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
		fmt.Fprintf(w, "  %s\t%s\t%v\t%s\t%d\n", human.Text(v.Path), human.Text(v.DType), shapeString(v.Shape), yesNo(v.Trainable), v.Size)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "  %d variables, %d trainable parameters\n", len(c.Variables), params)
	return nil
}

// printManifest prints a checkpoint's manifest.
func printManifest(out io.Writer, dir string, m checkpoint.Manifest) {
	fmt.Fprintf(out, "checkpoint %s\n", human.Text(dir))
	fmt.Fprintf(out, "format     version %d\n", m.FormatVersion)
	fmt.Fprintf(out, "step       %d\n", m.Step)
	fmt.Fprintf(out, "epoch      %d (completed)\n", m.Epoch)
	fmt.Fprintf(out, "reason     %s\n", human.Text(m.Reason))
	fmt.Fprintf(out, "created    %s\n", m.Created.UTC().Format(time.RFC3339))
	if len(m.Metrics) > 0 {
		names := make([]string, 0, len(m.Metrics))
		for k := range m.Metrics {
			names = append(names, k)
		}
		sort.Strings(names)
		var parts []string
		for _, k := range names {
			parts = append(parts, fmt.Sprintf("%s %.4f", human.Text(k), m.Metrics[k]))
		}
		fmt.Fprintf(out, "metrics    %s\n", strings.Join(parts, ", "))
	}
	fmt.Fprintln(out, "\nfiles")
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "  NAME\tBYTES\tSHA-256")
	var total int64
	for _, f := range m.Files {
		total += f.Size
		fmt.Fprintf(w, "  %s\t%d\t%s\n", human.Text(f.Name), f.Size, human.Text(f.SHA256))
	}
	if info, err := os.Stat(filepath.Join(dir, checkpoint.ManifestFile)); err == nil {
		total += info.Size()
		fmt.Fprintf(w, "  %s\t%d\t(lists the others)\n", checkpoint.ManifestFile, info.Size())
	}
	_ = w.Flush() // out is stdout or a buffer; the caller's next write reports a failure
	fmt.Fprintf(out, "  %s in all\n\n", human.Bytes(total))
}

// configFields returns a configuration's fields as JSON names and values,
// in the order of the struct, without the model (printed on its own).
func configFields(cfg config.Config) [][2]string {
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
	var b buildinfo.Info
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
