package train

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/neurona/neurona/train/runfolder"
)

// Watchdog defaults: a call is abandoned when it runs WatchdogFactor times
// longer than the slowest call of its kind so far, and never sooner than
// WatchdogFloor; after a signal the call in flight has SignalGrace to return.
const (
	WatchdogFactor = 10
	WatchdogFloor  = time.Minute
	SignalGrace    = 3 * time.Second
)

// ErrCallAbandoned is wrapped by the error of a run whose compiled call did
// not return: it hung (the watchdog) or did not finish within the grace
// period after a signal. The program's state is then unknown (the call may
// still be running), so nothing is saved after it.
var ErrCallAbandoned = errors.New("compiled call abandoned")

// AbandonedError says which call was abandoned, why, and which checkpoint
// is the last intact one. After a signal it also wraps the context's error,
// so errors.Is(err, context.Canceled) holds.
type AbandonedError struct {
	What           string        // e.g. "train call at step 12"
	Waited         time.Duration // how long the call ran (after a signal: the grace) before it was abandoned
	Limit          time.Duration // the watchdog's limit (0 after a signal)
	Slowest        time.Duration // the slowest call of its kind so far
	LastCheckpoint string        // "" when the run saved none
	Cause          error         // the context's error after a signal, nil for a hang
}

func (e *AbandonedError) Error() string {
	var why string
	if e.Cause != nil {
		why = fmt.Sprintf("%s did not return within %s of the signal; abandoned it", e.What, e.Waited.Round(time.Millisecond))
	} else {
		why = fmt.Sprintf("%s made no progress for %s (limit: %dx the slowest call so far, %s, at least %s); abandoned it "+
			"(GoMLX's Go backend, compute v0.1.2, can deadlock in its worker pool)",
			e.What, e.Waited.Round(time.Second), WatchdogFactor, e.Slowest.Round(time.Millisecond), e.Limit.Round(time.Second))
	}
	if e.LastCheckpoint == "" {
		return why + "; no checkpoint was saved"
	}
	return why + "; the last intact checkpoint is " + e.LastCheckpoint
}

// Unwrap returns ErrCallAbandoned and, after a signal, the context's error.
func (e *AbandonedError) Unwrap() []error {
	if e.Cause != nil {
		return []error{ErrCallAbandoned, e.Cause}
	}
	return []error{ErrCallAbandoned}
}

// watchdog runs a program's compiled calls in a goroutine each and gives up
// on one that does not return: after limit() without a signal, or after
// grace once ctx is cancelled. A call given up on keeps its goroutine (Go
// cannot stop it); the run then stops without touching the program's state.
type watchdog struct {
	ctx     context.Context
	floor   time.Duration // the least limit; WatchdogFloor unless a test sets it
	grace   time.Duration // SignalGrace unless a test sets it
	slowest map[string]time.Duration
	dead    bool // a call was abandoned: the program must not be used again

	// hang, for tests: when it returns true for a call's kind, the call
	// blocks until release is closed instead of running.
	hang    func(kind string) bool
	release chan struct{}
}

// watchdogOptions are the tests' settings of a run's watchdog: zero values
// keep the defaults.
type watchdogOptions struct {
	floor, grace time.Duration
	hang         func(kind string) bool // see watchdog.hang
	release      chan struct{}
}

func newWatchdog(ctx context.Context, opts Options) *watchdog {
	w := &watchdog{ctx: ctx, floor: WatchdogFloor, grace: SignalGrace, slowest: map[string]time.Duration{},
		hang: opts.watchdog.hang, release: opts.watchdog.release}
	if w.hang == nil && opts.Faults.HangCall != nil {
		w.hang = opts.Faults.HangCall // release stays nil: the call never returns
	}
	if opts.watchdog.floor > 0 {
		w.floor = opts.watchdog.floor
	}
	if opts.watchdog.grace > 0 {
		w.grace = opts.watchdog.grace
	}
	return w
}

// abandonedCall reports whether a call was given up on.
func (w *watchdog) abandonedCall() bool { return w != nil && w.dead }

// lastCheckpoint is the newest checkpoint of the run: the last this process
// saved, else the one it resumed from, else "".
func (l *loop) lastCheckpoint(opts Options) string {
	if l.summary.LastCheckpoint != "" {
		return l.summary.LastCheckpoint
	}
	if opts.Resume != nil {
		return opts.Resume.Dir
	}
	return ""
}

// limit is how long a call of kind may run: WatchdogFactor times the
// slowest call of that kind (or of any kind, before the first), at least
// the floor.
func (w *watchdog) limit(kind string) (limit, slowest time.Duration) {
	slowest, ok := w.slowest[kind]
	if !ok {
		for _, d := range w.slowest {
			slowest = max(slowest, d)
		}
	}
	return max(w.floor, WatchdogFactor*slowest), slowest
}

// do runs call, a compiled call of kind ("train" or "eval") that what
// describes (called only for an error message: not formatted on every
// step). It returns call's error, or an *AbandonedError (without
// LastCheckpoint: the loop fills it in) when the call did not return in
// time. A nil watchdog runs call directly.
func (w *watchdog) do(kind string, what func() string, call func() error) error {
	if w == nil {
		return call()
	}
	if w.dead {
		return fmt.Errorf("%s: %w: an earlier call did not return", what(), ErrCallAbandoned)
	}
	done := make(chan error, 1)
	start := time.Now()
	go func() {
		if w.hang != nil && w.hang(kind) {
			<-w.release
		}
		done <- call()
	}()
	limit, slowest := w.limit(kind)
	timer := time.NewTimer(limit)
	defer timer.Stop()
	ctxDone := w.ctx.Done()
	for {
		select {
		case err := <-done:
			w.slowest[kind] = max(w.slowest[kind], time.Since(start))
			return err
		case <-timer.C:
			w.dead = true
			return &AbandonedError{What: what(), Waited: time.Since(start), Limit: limit, Slowest: slowest}
		case <-ctxDone:
			// A signal: the call gets a short grace to return normally
			// (then the loop saves where it stopped, as before).
			ctxDone = nil
			timer.Reset(w.grace)
			select {
			case err := <-done:
				w.slowest[kind] = max(w.slowest[kind], time.Since(start))
				return err
			case <-timer.C:
				w.dead = true
				return &AbandonedError{What: what(), Waited: w.grace, Cause: w.ctx.Err()}
			}
		}
	}
}

// sums is do for a call that returns a loss sum and a correct count. The
// results are copied out only when the call returned, so an abandoned call
// that returns later writes nothing its caller reads.
func (w *watchdog) sums(kind string, what func() string, call func() (float64, float64, error)) (lossSum, correct float64, err error) {
	type result struct{ loss, hits float64 }
	out := make(chan result, 1)
	err = w.do(kind, what, func() error {
		l, c, err := call()
		out <- result{l, c}
		return err
	})
	if err != nil {
		return 0, 0, err
	}
	r := <-out
	return r.loss, r.hits, nil
}

// abandon ends a run whose call was abandoned (ok false when err is no
// abandonment): it writes the summary with the reason and returns the
// error naming the last intact checkpoint. Nothing is saved from a state
// the call may still be changing.
func (l *loop) abandon(err error, opts Options, start time.Time) (_ error, ok bool) {
	ab := abandoned(err, l.lastCheckpoint(opts))
	if ab == nil {
		return err, false
	}
	l.summary.StoppedBecause, l.summary.StopReason, l.summary.WallSeconds = ab.Error(), runfolder.StopAbandoned, time.Since(start).Seconds()
	l.obs.report(Stopped{Reason: runfolder.StopAbandoned, Because: ab.Error(), Epochs: l.cfg.Epochs})
	if err := l.rd.writeSummary(l.summary); err != nil {
		return errors.Join(ab, err), true
	}
	l.obs.report(Finished{l.summary})
	return ab, true
}

// abandoned completes an *AbandonedError in err with the run's last intact
// checkpoint; it returns nil when err is no abandonment.
func abandoned(err error, lastCheckpoint string) *AbandonedError {
	var ab *AbandonedError
	if !errors.As(err, &ab) {
		return nil
	}
	ab.LastCheckpoint = lastCheckpoint
	return ab
}
