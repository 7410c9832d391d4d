package train

import (
	"context"

	"github.com/neurona/neurona/data"
	"github.com/neurona/neurona/train/config"
	"github.com/neurona/neurona/train/runfolder"
)

// Group trains several runs of one shape (GroupKey) side by side in one
// compiled program. Each member calls Run from its own goroutine, as it
// would call the package's Run, and gets its own run folder, events,
// checkpoints and summary.
//
// STUB: members train one by one, each on its own program; the trial axis
// replaces it.
type Group struct {
	n int
}

// NewGroup returns a group of n members; every one of them must call Run
// (or the others wait for it).
func NewGroup(n int) *Group { return &Group{n: n} }

// Run trains cfg as one member of g: Run's contract, for one run.
func (g *Group) Run(ctx context.Context, cfg config.Config, mnist *data.MNIST, opts Options) (*runfolder.Summary, error) {
	return Run(ctx, cfg, mnist, opts)
}

// GroupKey says which runs can train in one group: those whose keys are
// equal and not "". For a run that cannot be grouped it returns "" and the
// reason, in words.
func GroupKey(cfg config.Config) (key, why string) {
	return "", "not yet"
}
