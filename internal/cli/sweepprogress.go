package cli

import (
	"fmt"
	"io"
	"math"
	"sync"
	"time"

	"github.com/neurona/neurona/internal/sweep"
	"github.com/neurona/neurona/train"
)

// lockedWriter serializes the lines the sweep's goroutines write.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// groupProgress prints a line each time every member of a group still
// training has ended an epoch: a group's trials finish together, so the
// sweep's line per finished trial would otherwise say nothing until the
// whole group is done.
type groupProgress struct {
	mu      sync.Mutex
	out     io.Writer
	label   string // "group 2/3"
	n       int    // members
	members map[string]*memberProgress
	printed int // epochs printed
	start   time.Time
}

// memberProgress is one member's epochs so far.
type memberProgress struct {
	epoch, epochs int
	done          bool            // stopped, failed or never started: no more epochs
	acc           map[int]float64 // per epoch: validation accuracy (training's without a validation split)
	trainAcc      bool            // acc is training accuracy (no validation split)
}

func newGroupProgress(out io.Writer, label string, n int) *groupProgress {
	return &groupProgress{out: out, label: label, n: n, members: map[string]*memberProgress{}, start: time.Now()}
}

// member is trial name's progress, made at its first word.
func (g *groupProgress) member(name string) *memberProgress {
	m := g.members[name]
	if m == nil {
		m = &memberProgress{acc: map[int]float64{}}
		g.members[name] = m
	}
	return m
}

// observe is the observer of trial name's run.
func (g *groupProgress) observe(name string) train.Observer {
	return func(ev train.Event) {
		g.mu.Lock()
		defer g.mu.Unlock()
		m := g.member(name)
		switch ev := ev.(type) {
		case train.EpochEnded:
			m.epoch, m.epochs = ev.Metrics.Epoch, ev.Epochs
			acc := ev.Metrics.TrainAccuracy
			m.trainAcc = ev.Metrics.ValAccuracy == nil
			if !m.trainAcc {
				acc = *ev.Metrics.ValAccuracy
			}
			m.acc[m.epoch] = acc
		case train.Stopped, train.Finished:
			m.done = true
		default:
			return
		}
		g.flush()
	}
}

// done marks trial name as training no more (its run returned, or never
// started).
func (g *groupProgress) done(name string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.member(name).done = true
	g.flush()
}

// flush prints, in order, each epoch every member has ended or will not
// reach, from the first one a member trains (a resumed group starts past
// epoch 1). Called with g.mu held.
func (g *groupProgress) flush() {
	if len(g.members) < g.n {
		return // a member has not said anything yet
	}
	for k := g.printed + 1; ; k++ {
		count, epochs, latest, which := 0, 0, 0, "val acc"
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, m := range g.members {
			if m.epoch < k && !m.done {
				return // still training epoch k
			}
			latest = max(latest, m.epoch)
			if acc, ok := m.acc[k]; ok {
				count++
				lo, hi = min(lo, acc), max(hi, acc)
				if m.trainAcc {
					which = "accuracy (training's: no validation split)"
				}
			}
			epochs = max(epochs, m.epochs)
		}
		if count == 0 && k < latest {
			g.printed = k // resumed after epoch k: no member trains it here
			continue
		}
		if count == 0 {
			return // no member trained epoch k
		}
		fmt.Fprintf(g.out, "%s  epoch %d/%d  %d of %d trials  %s %.4f to %.4f  %.1fs\n",
			g.label, k, epochs, count, g.n, which, lo, hi, time.Since(g.start).Seconds())
		g.printed = k
	}
}

// groupLabel names the group of each of s's trials as its progress lines
// do: "group 2/3" (the groups numbered as sweep.json numbers them).
func groupLabel(s *sweep.Sweep) func(trial string) string {
	groups := map[string]int{}
	n := 0
	for _, t := range s.Trials {
		groups[t.Name] = t.Group
		n = max(n, t.Group)
	}
	return func(trial string) string { return fmt.Sprintf("group %d/%d", groups[trial], n) }
}
