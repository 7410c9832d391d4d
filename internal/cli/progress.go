package cli

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"time"
)

// progressBar is the line a run redraws while an epoch trains, on a
// terminal:
//
//	epoch 2/6 [===========>              ] 160/421 steps  loss 0.1234  11520 ex/s  ETA 23s
//
// Each redraw returns to the start of the line and clears it ("\r\033[K")
// first. Lines printed while it is shown (a checkpoint saved by
// --save-every) go through its Write, which clears the bar, writes the
// line and draws the bar again below it, so no line is ever glued to it.
type progressBar struct {
	out           io.Writer
	epoch, epochs int // the epoch being trained, from 1, and the planned total
	steps         int // steps in an epoch
	now           func() time.Time
	throttle      time.Duration // redraws at most this often, but for the first and last

	done      int       // steps of the epoch done
	examples  int       // examples trained on since start
	start     time.Time // when this process started the epoch (a resumed one starts mid-epoch)
	startDone int       // steps done at start
	loss      float64   // mean training loss of the epoch so far
	last      time.Time // last redraw
	shown     bool      // the bar is on the screen
	finished  bool      // finish was called: writes pass through
	err       error     // the first write error; the bar then stays off
}

// barWidth is the bar's width in characters, between its brackets.
const barWidth = 30

// newProgressBar starts the bar of epoch (from 1) of epochs, with done of
// its steps already done (a resumed epoch).
func newProgressBar(out io.Writer, epoch, epochs, steps, done int, now func() time.Time) *progressBar {
	if now == nil {
		now = time.Now
	}
	b := &progressBar{out: out, epoch: epoch, epochs: epochs, steps: steps, now: now, throttle: 100 * time.Millisecond,
		done: done, startDone: done, start: now()}
	b.draw()
	return b
}

// update records the epoch's progress (steps done, examples trained on in
// this process, mean loss so far) and redraws the bar if it is time to.
func (b *progressBar) update(done, examples int, loss float64) {
	b.done, b.examples, b.loss = done, examples, loss
	if b.done >= b.steps || b.now().Sub(b.last) >= b.throttle {
		b.draw()
	}
}

// line is the bar's text.
func (b *progressBar) line() string {
	filled := 0
	if b.steps > 0 {
		filled = min(barWidth, b.done*barWidth/b.steps)
	}
	bar := strings.Repeat("=", filled)
	if filled < barWidth {
		bar += ">" + strings.Repeat(" ", barWidth-filled-1)
	}
	s := fmt.Sprintf("epoch %d/%d [%s] %d/%d steps", b.epoch, b.epochs, bar, b.done, b.steps)
	if b.examples > 0 {
		s += fmt.Sprintf("  loss %.4f", b.loss)
	}
	elapsed := b.now().Sub(b.start).Seconds()
	if ran := b.done - b.startDone; ran > 0 && elapsed > 0 {
		s += fmt.Sprintf("  %.0f ex/s  ETA %s", float64(b.examples)/elapsed,
			eta(time.Duration(elapsed*float64(b.steps-b.done)/float64(ran)*float64(time.Second))))
	}
	return s
}

// eta prints a duration to wait as 42s, 3m05s or 1h02m.
func eta(d time.Duration) string {
	s := int(d.Round(time.Second).Seconds())
	switch {
	case s < 60:
		return fmt.Sprintf("%ds", s)
	case s < 3600:
		return fmt.Sprintf("%dm%02ds", s/60, s%60)
	}
	return fmt.Sprintf("%dh%02dm", s/3600, s/60%60)
}

// clearLine returns to the start of the line and clears it.
const clearLine = "\r\033[K"

func (b *progressBar) draw() {
	if b.err != nil || b.finished {
		return
	}
	b.last = b.now()
	_, b.err = io.WriteString(b.out, clearLine+b.line())
	b.shown = b.err == nil
}

// Write prints p above the bar: the bar is cleared, p written, and the
// bar drawn again once p ends a line.
func (b *progressBar) Write(p []byte) (int, error) {
	if b.shown {
		if _, err := io.WriteString(b.out, clearLine); err != nil {
			return 0, err
		}
		b.shown = false
	}
	n, err := b.out.Write(p)
	if err != nil {
		return n, err
	}
	if bytes.HasSuffix(p, []byte("\n")) {
		b.draw()
	}
	return n, nil
}

// finish clears the bar for good: the epoch's line replaces it.
func (b *progressBar) finish() {
	b.finished = true
	if b.shown {
		_, _ = io.WriteString(b.out, clearLine)
		b.shown = false
	}
}
