package train

import (
	"context"
	"fmt"
	"strings"

	"github.com/gomlx/compute"
	"github.com/neurona/neurona/data"
	"github.com/neurona/neurona/train/config"
	"github.com/neurona/neurona/train/runfolder"
)

// eventLog records a run's events, for tests and for a failing test's
// message (one line per event: its type and fields).
type eventLog struct{ events []Event }

func (l *eventLog) observe(e Event) { l.events = append(l.events, e) }

// String is the log, one event a line.
func (l *eventLog) String() string {
	var b strings.Builder
	for _, e := range l.events {
		fmt.Fprintf(&b, "%T %+v\n", e, e)
	}
	return b.String()
}

// kinds is the events' types, in order, without the package name.
func (l *eventLog) kinds() []string {
	var k []string
	for _, e := range l.events {
		k = append(k, strings.TrimPrefix(fmt.Sprintf("%T", e), "train."))
	}
	return k
}

// executeLogged is execute with log observing the run after opts's
// observers.
func executeLogged(ctx context.Context, b compute.Backend, cfg config.Config, m *data.MNIST, log *eventLog, opts Options) (*runfolder.Summary, *Program, error) {
	opts.Observers = append(opts.Observers, log.observe)
	return execute(ctx, b, cfg, m, opts)
}

// Reset forgets the events recorded.
func (l *eventLog) Reset() { l.events = nil }
