package cli

import (
	"fmt"
	"io"

	"github.com/gomlx/compute"
	"github.com/neurona/neurona/train/backend"
)

// newBackend starts the backend requested as backend.New does, with what
// the start worked around (the fallback to the Go backend, a compile cache
// skipped) said on stderr.
func (e *env) newBackend(requested string) (compute.Backend, string, error) {
	return backend.NewWith(requested, backend.Options{Warn: func(w error) { warnNeurona(e.stderr, w) }})
}

// warnNeurona writes a warning of neurona's (not of one command) on
// stderr: one line, escaped for the terminal.
func warnNeurona(stderr io.Writer, w error) { fmt.Fprintf(stderr, "neurona: %s\n", oneLine(w.Error())) }
