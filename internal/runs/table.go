package runs

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/neurona/neurona/internal/human"
	"github.com/neurona/neurona/internal/viz"
	"github.com/neurona/neurona/train/runfolder"
)

// CompareFile is the picture `runs compare` writes.
const CompareFile = "compare.png"

// acc formats an accuracy, "-" for none.
func acc(a *float64) string {
	if a == nil {
		return "-"
	}
	return fmt.Sprintf("%.4f", *a)
}

// WriteList prints one line per run. Every value that came from a file or
// a folder name is escaped for the terminal (human.Text), and a value the
// run's files hold but no run writes shows as Invalid.
func WriteList(w io.Writer, runs []Run) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "RUN\tMODEL\tOPTIMIZER\tLR\tBATCH\tSTATUS\tEPOCHS\tBEST VAL\tTEST\tTRAIN TIME\tBACKEND")
	for _, r := range runs {
		lr, batch := "", ""
		if r.LR > 0 {
			lr = strconv.FormatFloat(r.LR, 'g', -1, 64)
		}
		if r.BatchSize > 0 {
			batch = strconv.Itoa(r.BatchSize)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", human.Text(r.Name), r.cell("model", r.Model),
			r.cell("optimizer", r.Optimizer), r.cell("lr", lr), r.cell("batch_size", batch), r.Status,
			r.cell("epochs", strconv.Itoa(r.Epochs)), r.cell("best_val_accuracy", acc(r.BestVal)), r.cell("test_accuracy", acc(r.Test)),
			r.cell("train_seconds", fmt.Sprintf("%.1fs", r.TrainSeconds)), r.cell("backend", r.Backend))
	}
	return tw.Flush()
}

// settings flattens a run's configuration to key -> value, from its
// summary.json's hyperparameters (with the model's shape).
func settings(r Run) map[string]string {
	out := map[string]string{}
	if r.Summary == nil {
		return out
	}
	b, err := json.Marshal(r.Summary.Hyperparameters)
	if err != nil {
		return out
	}
	var m map[string]any
	if json.Unmarshal(b, &m) != nil {
		return out
	}
	for k, v := range m {
		if k == "model" || k == "run_dir" {
			continue
		}
		out[k] = r.cell(k, fmt.Sprint(v))
	}
	out["model"] = r.cell("model", r.Model)
	return out
}

// Differing lists the settings whose values are not the same in every run.
func Differing(runs []Run) []string {
	all := map[string]bool{}
	sets := make([]map[string]string, len(runs))
	for i, r := range runs {
		sets[i] = settings(r)
		for k := range sets[i] {
			all[k] = true
		}
	}
	var out []string
	for k := range all {
		for _, s := range sets[1:] {
			if s[k] != sets[0][k] {
				out = append(out, k)
				break
			}
		}
	}
	slices.Sort(out)
	return out
}

// WriteCompare prints the runs' configurations side by side, a "*"
// marking settings that differ, then their metrics: validation accuracy
// per epoch, best validation and test accuracy, and training time.
func WriteCompare(w io.Writer, runs []Run) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	header := []string{"", "SETTING"}
	for _, r := range runs {
		header = append(header, human.Text(r.Name))
	}
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	differ := map[string]bool{}
	for _, k := range Differing(runs) {
		differ[k] = true
	}
	var keys []string
	sets := make([]map[string]string, len(runs))
	for i, r := range runs {
		sets[i] = settings(r)
		for k := range sets[i] {
			if !slices.Contains(keys, k) {
				keys = append(keys, k)
			}
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		mark := ""
		if differ[k] {
			mark = "*"
		}
		row := []string{mark, k}
		for _, s := range sets {
			row = append(row, cmp.Or(s[k], "-")) // escaped by settings
		}
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	fmt.Fprintln(tw)
	for _, line := range [][]string{
		{"", "status"}, {"", "epochs"}, {"", "best val accuracy"}, {"", "test accuracy"}, {"", "train time"},
	} {
		for _, r := range runs {
			switch line[1] {
			case "status":
				line = append(line, r.Status)
			case "epochs":
				line = append(line, r.cell("epochs", strconv.Itoa(r.Epochs)))
			case "best val accuracy":
				line = append(line, r.cell("best_val_accuracy", acc(r.BestVal)))
			case "test accuracy":
				line = append(line, r.cell("test_accuracy", acc(r.Test)))
			case "train time":
				line = append(line, r.cell("train_seconds", fmt.Sprintf("%.1fs", r.TrainSeconds)))
			}
		}
		fmt.Fprintln(tw, strings.Join(line, "\t"))
	}
	fmt.Fprintln(tw)
	metrics := make([][]runfolder.EpochMetrics, len(runs))
	most := 0
	for i, r := range runs {
		metrics[i], _, _ = runfolder.ReadMetrics(filepath.Join(r.Dir, "metrics.jsonl"))
		most = max(most, len(metrics[i]))
	}
	for e := range most {
		row := []string{"", fmt.Sprintf("epoch %d val accuracy", e+1)}
		for _, m := range metrics {
			v := "-"
			if e < len(m) {
				v = acc(m[e].ValAccuracy)
				if a := m[e].ValAccuracy; a != nil && !(*a >= 0 && *a <= 1) {
					v = Invalid
				}
			}
			row = append(row, v)
		}
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintln(w, "* the setting differs between the runs")
	return err
}

// ComparePicture writes compare.png into path: every run's validation
// curve overlaid, the best by validation accuracy highlighted, and its
// final validation accuracy against each differing setting (up to six).
func ComparePicture(path string, runs []Run) error {
	trials := make([]viz.SweepTrial, len(runs))
	best := -1
	for i, r := range runs {
		m, _, _ := runfolder.ReadMetrics(filepath.Join(r.Dir, "metrics.jsonl"))
		trials[i] = viz.SweepTrial{Name: r.Name, Settings: settings(r), Metrics: m, Final: r.BestVal}
		if r.BestVal != nil && (best < 0 || *r.BestVal > *runs[best].BestVal) {
			best = i
		}
	}
	var differ []string
	for _, k := range Differing(runs) {
		if k != "model" || len(differ) == 0 {
			differ = append(differ, k)
		}
	}
	img, err := viz.SweepImage(trials, differ, best)
	if err != nil {
		return err
	}
	return viz.WritePNG(path, img)
}
