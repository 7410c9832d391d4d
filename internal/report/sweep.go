package report

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"image"
	"time"

	"github.com/neurona/neurona/internal/atomicfile"
	"github.com/neurona/neurona/train/buildinfo"
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

// SweepPicture is one of the best trial's pictures: a PNG file's bytes
// (ReadPNG) and what it shows.
type SweepPicture struct {
	Caption string
	PNG     []byte
}

// SweepInput is what a sweep's report.html shows: the leaderboard best
// first, the sweep's picture, and the best trial's pictures.
type SweepInput struct {
	Title, Command, Summary string
	Header                  []string
	Rows                    []SweepRow
	Picture                 image.Image // sweep.png; nil if there is none
	Best                    string      // the best trial's name; "" if none finished
	BestPictures            []SweepPicture
	Created                 time.Time // zero: now
}

// sweepFigure is a SweepPicture as the page embeds it.
type sweepFigure struct {
	Caption string
	Src     template.URL
}

// WriteSweep renders a sweep's report into path, atomically; like a run's,
// the page is self-contained.
func WriteSweep(path string, in *SweepInput) error {
	v := struct {
		*SweepInput
		Picture          template.URL
		Figures          []sweepFigure
		Version, Created string
	}{SweepInput: in, Version: buildinfo.Get().Version}
	for _, p := range in.BestPictures {
		v.Figures = append(v.Figures, sweepFigure{Caption: p.Caption, Src: pngURI(p.PNG)})
	}
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
