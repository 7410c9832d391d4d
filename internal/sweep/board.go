package sweep

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
)

// BoardFile is the leaderboard as a Markdown table in the sweep's folder.
const BoardFile = "sweep.md"

// Ranked returns the trials best first: finished trials by best
// validation accuracy (never by test accuracy, which is shown for
// information only), then the others in plan order.
func (s *Sweep) Ranked() []Entry {
	out := slices.Clone(s.Trials)
	slices.SortStableFunc(out, func(a, b Entry) int {
		ra, rb := rank(a.Result), rank(b.Result)
		if ra != rb {
			return cmp.Compare(ra, rb)
		}
		if a.Result.ValAccuracy != nil && b.Result.ValAccuracy != nil {
			return cmp.Compare(*b.Result.ValAccuracy, *a.Result.ValAccuracy)
		}
		return 0
	})
	return out
}

// rank orders statuses on the board: finished with a validation accuracy,
// finished without one, then the rest.
func rank(r Result) int {
	switch {
	case r.Status == Finished && r.ValAccuracy != nil:
		return 0
	case r.Status == Finished:
		return 1
	}
	return 2
}

// row is one trial's cells on the board.
func (s *Sweep) row(i int, e Entry) []string {
	cells := []string{fmt.Sprint(i + 1), e.Name}
	if s.grouped() {
		g := "-"
		if e.Group > 0 {
			g = fmt.Sprint(e.Group)
		}
		cells = append(cells, g)
	}
	for _, f := range s.Swept {
		v := e.Settings[f]
		if f == "hidden" && v == "" {
			v = "none"
		}
		cells = append(cells, v)
	}
	status := e.Result.Status
	if e.Result.Status == Finished {
		status = e.Result.StoppedBecause
	}
	return append(cells, accuracy(e.Result.ValAccuracy), accuracy(e.Result.TestAccuracy),
		fmt.Sprint(e.Result.Epochs), fmt.Sprintf("%.1fs", e.Result.TrainSeconds), status)
}

// header is the board's column names.
func (s *Sweep) header() []string {
	h := []string{"rank", "trial"}
	if s.grouped() {
		h = append(h, "group")
	}
	h = append(h, s.Swept...)
	return append(h, "val acc", "test acc", "epochs", "train time", "stopped")
}

// grouped reports whether any trial trains in a group: the board then
// says which.
func (s *Sweep) grouped() bool {
	for _, e := range s.Trials {
		if e.Group > 0 {
			return true
		}
	}
	return false
}

// WriteBoard prints the leaderboard as an aligned table.
func (s *Sweep) WriteBoard(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(s.header(), "\t"))
	for i, e := range s.Ranked() {
		fmt.Fprintln(tw, strings.Join(s.row(i, e), "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintln(w, "ranked by best validation accuracy; test accuracy is shown for information, never used to choose")
	return err
}

// Markdown is the leaderboard as sweep.md: a title, what was swept, and
// the table.
func (s *Sweep) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Sweep %s\n\n", s.dir)
	fmt.Fprintf(&b, "`neurona sweep %s`: %d trials; swept %s.\n\n", strings.Join(s.Args, " "), len(s.Trials), strings.Join(s.Swept, ", "))
	if s.grouped() {
		fmt.Fprintf(&b, "Trained in groups (trials of one shape in one program; the group column): %s.\n\n", s.Grouping())
	}
	h := s.header()
	fmt.Fprintf(&b, "| %s |\n|%s\n", strings.Join(h, " | "), strings.Repeat(" --- |", len(h)))
	for i, e := range s.Ranked() {
		cells := s.row(i, e)
		for j, c := range cells {
			cells[j] = strings.ReplaceAll(c, "|", `\|`)
		}
		fmt.Fprintf(&b, "| %s |\n", strings.Join(cells, " | "))
	}
	b.WriteString("\nRanked by best validation accuracy; test accuracy is shown for information, never used to choose.\n")
	return b.String()
}
