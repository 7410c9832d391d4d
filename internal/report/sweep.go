package report

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"image"
	"time"

	"github.com/neurona/neurona/train"
	"github.com/neurona/neurona/train/atomicfile"
)

//go:embed sweep.html.tmpl
var sweepSource string

var sweepPage = template.Must(template.New("sweep").Parse(sweepSource))

// SweepRow is one trial on a sweep's leaderboard: its cells (the second
// is its name) and, if it has a report.html, a link to it relative to the
// sweep's folder.
type SweepRow struct {
	Cells []string
	Link  string
}

// SweepInput is what a sweep's report.html shows: the leaderboard best
// first and the sweep's picture.
type SweepInput struct {
	Title, Command, Summary string
	Header                  []string
	Rows                    []SweepRow
	Picture                 image.Image // sweep.png; nil if there is none
	Created                 time.Time   // zero: now
}

// WriteSweep renders a sweep's report into path, atomically; like a run's,
// the page is self-contained.
func WriteSweep(path string, in *SweepInput) error {
	v := struct {
		*SweepInput
		Picture          template.URL
		Version, Created string
	}{SweepInput: in, Version: train.Build().Version}
	created := in.Created
	if created.IsZero() {
		created = time.Now()
	}
	v.Created = created.UTC().Format("2006-01-02 15:04 UTC")
	if in.Picture != nil {
		uri, err := dataURI(in.Picture)
		if err != nil {
			return err
		}
		v.Picture = uri
	}
	var buf bytes.Buffer
	if err := sweepPage.Execute(&buf, v); err != nil {
		return fmt.Errorf("sweep report: %w", err)
	}
	return atomicfile.WriteFile(path, buf.Bytes())
}
