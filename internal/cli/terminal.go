package cli

import (
	"fmt"
	"io"

	"github.com/neurona/neurona/internal/human"
	"github.com/neurona/neurona/internal/safejson"
	"github.com/neurona/neurona/train/runfolder"
)

// What a command prints that came from a file or a folder name (run and
// class names, paths, configurations, error messages) goes through
// human.Text, so that a terminal shows it instead of obeying it; JSON goes
// through writeJSON, which escapes the same characters as \uXXXX.

// writeJSON writes v to w as one line of JSON (safejson: NaN as null),
// with what human.Text escapes written as \uXXXX: the same value, safe
// on a terminal.
func writeJSON(w io.Writer, v any) error {
	b, err := safejson.Marshal(v)
	if err != nil {
		return err
	}
	_, err = w.Write(append(human.JSON(b), '\n'))
	return err
}

// writeJSONIndent is writeJSON indented by two spaces.
func writeJSONIndent(w io.Writer, v any) error {
	b, err := safejson.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(human.JSON(b), '\n'))
	return err
}

// backendShown is a backend name read from a file as a list shows it:
// itself if it has the shape of a backend's name, else "invalid".
func backendShown(name string) string {
	if !runfolder.ValidBackendName(name) {
		return "invalid"
	}
	return name
}

// logf prints one line on stderr, escaped for the terminal: the lines a
// server, a download or the data loader report quote run names and paths.
func (e *env) logf(format string, args ...any) {
	fmt.Fprintln(e.stderr, human.Text(fmt.Sprintf(format, args...)))
}
