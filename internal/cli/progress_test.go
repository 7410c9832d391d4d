package cli

import (
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train"
	"github.com/neurona/neurona/train/config"
	"github.com/neurona/neurona/train/runfolder"
)

// screen is a fake terminal: the lines it shows after the bytes written to
// it, with "\r" (back to the first column), "\033[K" (clear to the end of
// the line) and "\n" applied as a terminal would.
type screen struct {
	lines  [][]rune
	col    int
	writes int
}

func (s *screen) Write(p []byte) (int, error) {
	s.writes++
	if len(s.lines) == 0 {
		s.lines = [][]rune{{}}
	}
	text := string(p)
	for len(text) > 0 {
		cur := &s.lines[len(s.lines)-1]
		switch {
		case strings.HasPrefix(text, "\033[K"):
			*cur = (*cur)[:min(s.col, len(*cur))]
			text = text[len("\033[K"):]
			continue
		case text[0] == '\r':
			s.col = 0
		case text[0] == '\n':
			s.lines = append(s.lines, []rune{})
			s.col = 0
		default:
			r := []rune(text)[0]
			if s.col < len(*cur) {
				(*cur)[s.col] = r
			} else {
				*cur = append(*cur, r)
			}
			s.col++
			text = text[len(string(r)):]
			continue
		}
		text = text[1:]
	}
	return len(p), nil
}

// shown is what the screen shows, one string per line.
func (s *screen) shown() []string {
	var out []string
	for _, l := range s.lines {
		out = append(out, string(l))
	}
	return out
}

// clock is a fake time that tests move on.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

func TestProgressBar(t *testing.T) {
	t.Run("it shows the epoch of the run, the steps, the loss, examples/s and the time left", func(t *testing.T) {
		var scr screen
		c := &clock{t: time.Unix(1e9, 0)}
		b := newProgressBar(&scr, 2, 6, 100, 0, c.now)
		c.advance(2 * time.Second)
		b.update(50, 50*128, 0.1234)
		got := scr.shown()
		want := "epoch 2/6 [===============>              ] 50/100 steps  loss 0.1234  3200 ex/s  ETA 2s"
		if len(got) != 1 || got[0] != want {
			t.Errorf("screen %q, want the one line %q", got, want)
		}
	})
	t.Run("a line printed during the epoch goes above the bar, whole", func(t *testing.T) {
		var scr screen
		c := &clock{t: time.Unix(1e9, 0)}
		b := newProgressBar(&scr, 1, 3, 10, 0, c.now)
		c.advance(time.Second)
		b.update(4, 4*64, 2.5)
		if _, err := b.Write([]byte("checkpoint ckpt-000000004 (31.4 kB, 0.01s)\n")); err != nil {
			t.Fatal(err)
		}
		c.advance(time.Second)
		b.update(10, 10*64, 2.0)
		got := scr.shown()
		if len(got) != 2 || got[0] != "checkpoint ckpt-000000004 (31.4 kB, 0.01s)" || !strings.HasPrefix(got[1], "epoch 1/3 [") ||
			!strings.Contains(got[1], "10/10 steps") {
			t.Errorf("screen %q, want the checkpoint line alone, then the bar at 10/10", got)
		}
		b.finish()
		if _, err := b.Write([]byte("epoch   1/3  train loss 2.0000\n")); err != nil {
			t.Fatal(err)
		}
		if got := scr.shown(); got[1] != "epoch   1/3  train loss 2.0000" || got[2] != "" {
			t.Errorf("after finish the epoch's line replaces the bar: %q", got)
		}
	})
	t.Run("redraws are throttled, but the last step is always drawn", func(t *testing.T) {
		var scr screen
		c := &clock{t: time.Unix(1e9, 0)}
		b := newProgressBar(&scr, 1, 1, 1000, 0, c.now)
		for i := 1; i < 1000; i++ {
			c.advance(time.Millisecond)
			b.update(i, i, 1)
		}
		b.update(1000, 1000, 1)
		if scr.writes > 12 || !strings.Contains(scr.shown()[0], "1000/1000 steps") {
			t.Errorf("%d writes for 1000 steps in 1 s (want one per 100 ms and the last), screen %q", scr.writes, scr.shown())
		}
	})
	t.Run("a resumed epoch counts its speed from where it resumed", func(t *testing.T) {
		var scr screen
		c := &clock{t: time.Unix(1e9, 0)}
		b := newProgressBar(&scr, 3, 3, 100, 80, c.now)
		if got := scr.shown()[0]; !strings.Contains(got, "80/100 steps") || strings.Contains(got, "ETA") {
			t.Errorf("bar at resume %q, want 80/100 and no ETA yet", got)
		}
		c.advance(time.Second)
		b.update(90, 10*10, 0.5)
		if got := scr.shown()[0]; !strings.Contains(got, "100 ex/s  ETA 1s") {
			t.Errorf("bar %q, want 100 ex/s and 1s left", got)
		}
	})
}

func TestETA(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "0s", 1400 * time.Millisecond: "1s", 59 * time.Second: "59s", 65 * time.Second: "1m05s", 3*time.Hour + 2*time.Minute: "3h02m",
	} {
		if got := eta(d); got != want {
			t.Errorf("eta(%s) = %q, want %q", d, got, want)
		}
	}
}

// TestProgressBarInARun shows the events of a run with the bar on and a
// checkpoint every 3 steps on a fake terminal: every checkpoint line stands
// alone, above the bar, which names the epoch, and the epoch's line
// replaces the bar.
func TestProgressBarInARun(t *testing.T) {
	var scr screen
	var raw strings.Builder
	c := &clock{t: time.Unix(0, 0)}
	v := newTrainView(io.MultiWriter(&scr, &raw), io.Discard)
	v.now = c.now
	cfg := config.Defaults(models.MLP)
	cfg.Epochs, cfg.Progress = 2, true
	v.observe(train.Planned{Config: cfg})
	step := 0
	for epoch := 1; epoch <= 2; epoch++ {
		v.observe(train.EpochStarted{Epoch: epoch, Epochs: 2, Steps: 8})
		for done := 1; done <= 8; done++ {
			step++
			c.advance(time.Second)
			v.observe(train.StepsDone{GlobalStep: step, Done: done, Examples: 100 * done, Loss: 0.5})
			if step%3 == 0 {
				v.observe(train.CheckpointSaved{Path: fmt.Sprintf("/r/checkpoints/ckpt-%09d", step), Size: 1000, Seconds: 0.01, Why: "step"})
			}
		}
		v.observe(train.EpochTrained{Epoch: epoch})
		v.observe(train.EpochEnded{Metrics: runfolder.EpochMetrics{Epoch: epoch, GlobalStep: step}, Epochs: 2})
	}
	out := raw.String()
	if !strings.Contains(out, "\r\033[Kepoch 1/2 [") || !strings.Contains(out, "\r\033[Kepoch 2/2 [") || !strings.Contains(out, " ex/s  ETA ") {
		t.Errorf("no bar naming the epoch, examples/s and the time left in the output:\n%q", out)
	}
	checkpoints, epochs := 0, 0
	for _, line := range scr.shown() {
		if strings.Contains(line, "checkpoint ckpt-") {
			checkpoints++
			if !strings.HasPrefix(line, "checkpoint ckpt-") || strings.Contains(line, "[") {
				t.Errorf("checkpoint line shares its line with the bar: %q", line)
			}
		}
		if strings.Contains(line, "steps  loss") {
			t.Errorf("a bar is left on the screen, or glued to another line: %q", line)
		}
		if strings.HasPrefix(line, "epoch   ") {
			epochs++
		}
	}
	if checkpoints != 5 || epochs != 2 {
		t.Errorf("%d checkpoint lines and %d epoch lines on the screen, want 5 and 2:\n%s", checkpoints, epochs, strings.Join(scr.shown(), "\n"))
	}
}
