package sweep

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/neurona/neurona/internal/atomicfile"
	"github.com/neurona/neurona/internal/report"
	"github.com/neurona/neurona/internal/viz"
	"github.com/neurona/neurona/train/runfolder"
)

// Files a finished sweep writes into its folder, beside sweep.json.
const (
	PictureFile = "sweep.png"
	ReportFile  = "report.html"
)

// WriteResults writes the leaderboard (sweep.md), the picture (sweep.png)
// and the sweep's report.html, and returns the names written. Damaged
// lines of a trial's metrics.jsonl are skipped and described in warnings;
// a sweep without any validation curve gets no picture.
func (s *Sweep) WriteResults() (written, warnings []string, err error) {
	if err := atomicfile.WriteFile(filepath.Join(s.dir, BoardFile), []byte(s.Markdown())); err != nil {
		return nil, nil, err
	}
	written = append(written, BoardFile)
	ranked := s.Ranked()
	best := -1
	trials := make([]viz.SweepTrial, len(s.Trials))
	for i, e := range s.Trials {
		metrics, damaged, _ := runfolder.ReadMetrics(filepath.Join(s.TrialDir(e.Trial), "metrics.jsonl"))
		warnings = append(warnings, damaged...)
		trials[i] = viz.SweepTrial{Name: e.Name, Settings: e.Settings, Metrics: metrics}
		if e.Result.Status == Finished {
			trials[i].Final = e.Result.ValAccuracy
		}
		if len(ranked) > 0 && e.Name == ranked[0].Name && rank(e.Result) == 0 {
			best = i
		}
	}
	img, err := viz.SweepImage(trials, s.Swept, best)
	switch {
	case err == nil:
		if err := viz.WritePNG(filepath.Join(s.dir, PictureFile), img); err != nil {
			return written, warnings, err
		}
		written = append(written, PictureFile)
	default:
		warnings = append(warnings, fmt.Sprintf("no %s: %v", PictureFile, err))
		img = nil
	}
	in := &report.SweepInput{
		Title:   s.dir,
		Command: "neurona sweep " + strings.Join(s.Args, " "),
		Summary: s.summaryLine(),
		Header:  s.header(),
		Picture: img,
	}
	for i, e := range ranked {
		row := report.SweepRow{Cells: s.row(i, e)}
		if _, err := os.Stat(filepath.Join(s.TrialDir(e.Trial), report.File)); err == nil {
			row.Link = e.Name + "/" + report.File
		}
		in.Rows = append(in.Rows, row)
	}
	if len(ranked) > 0 && ranked[0].Result.Status == Finished {
		in.Best = ranked[0].Name
		in.BestPictures = bestPictures(s.TrialDir(ranked[0].Trial))
	}
	if err := report.WriteSweep(filepath.Join(s.dir, ReportFile), in); err != nil {
		return written, warnings, err
	}
	return append(written, ReportFile), warnings, nil
}

// summaryLine says how the sweep went and which trial won.
func (s *Sweep) summaryLine() string {
	counts := map[string]int{}
	for _, e := range s.Trials {
		counts[e.Result.Status]++
	}
	line := fmt.Sprintf("%d trials: %d finished", len(s.Trials), counts[Finished])
	if n := counts[Failed]; n > 0 {
		line += fmt.Sprintf(", %d failed", n)
	}
	if n := len(s.Trials) - counts[Finished] - counts[Failed]; n > 0 {
		line += fmt.Sprintf(", %d not done", n)
	}
	if s.grouped() {
		line += fmt.Sprintf(" (trained in groups: %s)", s.Grouping())
	}
	if r := s.Ranked(); len(r) > 0 && rank(r[0].Result) == 0 {
		line += fmt.Sprintf(". Best by validation accuracy: %s (%s), validation %s, test %s.",
			r[0].Name, settingsLine(r[0].Trial, s.Swept), accuracy(r[0].Result.ValAccuracy), accuracy(r[0].Result.TestAccuracy))
	}
	return line
}

// bestPictures reads the pictures train drew in the best trial's folder,
// for the report to embed; a picture missing or refused by report.ReadPNG
// is left out (the trial's folder still has what it has).
func bestPictures(dir string) []report.SweepPicture {
	var out []report.SweepPicture
	for _, p := range []struct{ file, caption string }{
		{viz.CurvesFile, "Loss and accuracy per epoch (curves.png)"},
		{viz.ConfusionFile, "Confusion matrix on the test set (confusion.png)"},
		{viz.MisclassifiedFile, "Test images it got wrong (misclassified.png)"},
	} {
		if b, err := report.ReadPNG(filepath.Join(dir, p.file)); err == nil {
			out = append(out, report.SweepPicture{Caption: p.caption, PNG: b})
		}
	}
	return out
}
