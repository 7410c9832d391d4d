package serve

import (
	"context"
	"encoding/base64"
	"fmt"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/neurona/neurona/data"
	"github.com/neurona/neurona/internal/viz"
	"github.com/neurona/neurona/train"
	"github.com/neurona/neurona/train/config"
	"github.com/neurona/neurona/train/runfolder"
)

// chromium returns the path of a Chromium to drive, or skips the test; on
// CI (CI set) a missing Chromium fails it, since .ci/run installs one.
func chromium(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("trains on MNIST and starts a browser (-short)")
	}
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("no Chromium found (looked for /usr/bin/chromium, chromium, chromium-browser), and CI must run this test (.ci/run installs Debian's chromium)")
	}
	t.Skip("no Chromium found (looked for /usr/bin/chromium, chromium, chromium-browser; Debian: apt-get install chromium)")
	return ""
}

// screenshots is where the browser test saves its screenshots:
// $NEURONA_SCREENSHOTS if set, else the test's temporary folder.
func screenshots(t *testing.T) string {
	if dir := os.Getenv("NEURONA_SCREENSHOTS"); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	return t.TempDir()
}

// browser starts headless Chromium for the test; every call on the
// returned context is limited by timeout.
func browser(t *testing.T, path string, timeout time.Duration) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.WindowSize(1200, 900), chromedp.UserDataDir(t.TempDir()))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	if err := chromedp.Do(ctx); err != nil { // start the browser without a deadline
		t.Fatalf("start %s: %v", path, err)
	}
	tctx, cancel := context.WithTimeout(ctx, timeout)
	t.Cleanup(func() { cancel(); cancelTab(); cancelAlloc() })
	return tctx
}

// step logs how long each part of the browser test took.
type stepper struct {
	t    *testing.T
	last time.Time
}

func (s *stepper) done(what string) {
	s.t.Logf("%-52s %6.2fs", what, time.Since(s.last).Seconds())
	s.last = time.Now()
}

// point is a position on the pad, in its CSS pixels (0..280).
type point struct{ x, y float64 }

// strokeOne is a "1": a vertical stroke.
func strokeOne() []point {
	var ps []point
	for i := range 21 {
		ps = append(ps, point{140 + 0.1*float64(i), 45 + 9.5*float64(i)})
	}
	return ps
}

// strokeZero is a "0": an ellipse, drawn from its top counter-clockwise.
func strokeZero() []point {
	var ps []point
	for i := range 49 {
		a := 2 * math.Pi * float64(i) / 48
		ps = append(ps, point{140 - 62*math.Sin(a), 140 - 92*math.Cos(a)})
	}
	return ps
}

// draw presses the mouse at the first point of a stroke on the pad, moves
// it through the others and releases it, with input.DispatchMouseEvent:
// the page sees pointerdown, pointermove and pointerup events.
func draw(ctx context.Context, stroke []point) error {
	type rect struct{ X, Y, W, H float64 }
	r, err := chromedp.Run(ctx, chromedp.Evaluate[rect](`(() => { const c = document.querySelector("#pad");
		c.scrollIntoView({block: "center"}); const r = c.getBoundingClientRect();
		return {X: r.left + 2, Y: r.top + 2, W: r.width - 4, H: r.height - 4}; })()`))
	if err != nil {
		return err
	}
	send := func(typ input.DispatchMouseEventType, p point, buttons int64) error {
		params := input.DispatchMouseEventParams{Type: typ, X: r.X + p.x*r.W/280, Y: r.Y + p.y*r.H/280,
			Button: input.MouseButtonLeft, Buttons: buttons, PointerType: input.DispatchMouseEventPointerTypeMouse}
		if typ != chromedp.MouseMoved {
			params.ClickCount = 1
		}
		_, err := chromedp.Call(ctx, input.DispatchMouseEvent, params)
		return err
	}
	if err := send(chromedp.MousePressed, stroke[0], 1); err != nil {
		return err
	}
	for _, p := range stroke[1:] {
		if err := send(chromedp.MouseMoved, p, 1); err != nil {
			return err
		}
		time.Sleep(8 * time.Millisecond) // as a hand would, so that predictions come while drawing
	}
	return send(chromedp.MouseReleased, stroke[len(stroke)-1], 0)
}

// shown waits until the pad's prediction is of the drawing as it is, and
// returns the class shown and the canvas as PNG.
func shown(ctx context.Context, seqAbove int) (class string, seq int, png []byte, err error) {
	js := fmt.Sprintf(`document.querySelector("#pad").dataset.state === "idle" && Number(document.querySelector("#guess").dataset.seq || 0) > %d`, seqAbove)
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](js, chromedp.WithPollingInterval(20*time.Millisecond))); err != nil {
		return "", 0, nil, fmt.Errorf("wait for the prediction: %w", err)
	}
	type state struct {
		Class, PNG string
		Seq        int
	}
	st, err := chromedp.Run(ctx, chromedp.Evaluate[state](`({Class: document.querySelector("#guess").dataset.class,
		Seq: Number(document.querySelector("#guess").dataset.seq), PNG: document.querySelector("#pad").toDataURL("image/png")})`))
	if err != nil {
		return "", 0, nil, err
	}
	png, err = base64.StdEncoding.DecodeString(strings.TrimPrefix(st.PNG, "data:image/png;base64,"))
	return st.Class, st.Seq, png, err
}

func saveShot(t *testing.T, ctx context.Context, dir, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s (%d KB)", filepath.Join(dir, name), len(png)/1024)
}

// TestServeInChromium trains a small MLP on MNIST, serves it next to a run
// being trained, and drives headless Chromium: the runs list, the live
// curve gaining epochs without a reload, and a "1" and a "0" drawn on the
// pad with mouse events, each predicted as drawn and as the API predicts
// the canvas's PNG.
func TestServeInChromium(t *testing.T) {
	path := chromium(t)
	st := &stepper{t: t, last: time.Now()}
	mnist, err := data.Load(context.Background(), data.LocateOptions{})
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("MNIST: %v", err)
		}
		t.Skipf("MNIST not available: %v", err)
	}
	st.done("load MNIST")
	dir := t.TempDir()
	digits := filepath.Join(dir, "mnist-mlp")
	cfg := config.Defaults("mlp")
	cfg.Model.Hidden, cfg.Epochs, cfg.RunDir, cfg.Backend = []int{64}, 3, digits, "go"
	sum, err := train.Run(context.Background(), cfg, mnist, train.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := viz.RunPictures(digits, mnist.Test, sum.Evaluation, mnist.Classes); err != nil {
		t.Fatal(err)
	}
	st.done(fmt.Sprintf("train 784-64-10 for 3 epochs (test accuracy %.4f)", *sum.TestAccuracy))

	copyRun(t, fixture(t, "small"), filepath.Join(dir, "small-images"))
	live := filepath.Join(dir, "live")
	if err := os.Mkdir(live, 0o755); err != nil {
		t.Fatal(err)
	}
	unlock, err := runfolder.LockRun(live)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	writeMetrics(t, live, 1, 2)
	s, err := New(Options{Dir: dir, Load: goLoader, TestSet: func(tr *train.Trained) (*data.Set, error) {
		if tr.Config.Model.Inputs != mnist.Test.ImageSize() {
			return nil, fmt.Errorf("no test data of %d pixels", tr.Config.Model.Inputs)
		}
		return mnist.Test, nil
	}, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	hs := httptestServer(t, s)
	shots := screenshots(t)
	ctx := browser(t, path, 2*time.Minute)
	st.done("start the server and Chromium")

	// The runs list.
	if err := chromedp.Do(ctx, chromedp.Navigate(hs.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS(`tr[data-run="live"][data-status="training"]`)),
		chromedp.WaitVisible(chromedp.CSS(`tr[data-run="mnist-mlp"][data-status="finished"]`))); err != nil {
		t.Fatalf("runs list: %v", err)
	}
	saveShot(t, ctx, shots, "serve-list.png")
	st.done("the runs list shows both runs")

	// A run being trained: its curves gain epochs without a reload.
	if err := chromedp.Do(ctx, chromedp.Navigate(hs.URL+"/runs/live"),
		chromedp.WaitVisible(chromedp.CSS(`#loss-chart[data-points="2"]`))); err != nil {
		t.Fatalf("live run: %v", err)
	}
	id, err := chromedp.Run(ctx, chromedp.Evaluate[string](`window.neuronaPageID`))
	if err != nil || id == "" {
		t.Fatalf("page id %q: %v", id, err)
	}
	for epoch := 3; epoch <= 4; epoch++ {
		writeMetrics(t, live, epoch, epoch)
		js := fmt.Sprintf(`document.querySelector("#loss-chart").dataset.points === "%d" && document.querySelector("#acc-chart").dataset.points === "%d"`, epoch, epoch)
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](js, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
			t.Fatalf("the curve did not gain epoch %d: %v", epoch, err)
		}
	}
	if again, err := chromedp.Run(ctx, chromedp.Evaluate[string](`window.neuronaPageID`)); err != nil || again != id {
		t.Fatalf("the page reloaded (id %q, then %q): %v", id, again, err)
	}
	saveShot(t, ctx, shots, "serve-live.png")
	st.done("the live curve gains epochs 3 and 4 without a reload")

	// A model of 12x10 images: the pad says it cannot take a drawing.
	if err := chromedp.Do(ctx, chromedp.Navigate(hs.URL+"/runs/small-images"),
		chromedp.WaitVisible(chromedp.CSS(`#pad[data-enabled="0"]`))); err != nil {
		t.Fatalf("a run of 12x10 images: %v", err)
	}
	if note, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("pad-note"))); err != nil || !strings.Contains(note, "12x10") {
		t.Errorf("the pad of a model of 12x10 images says %q (%v), want why it cannot take a drawing", note, err)
	}
	st.done("the pad of a 12x10 model says it cannot take a drawing")

	// The trained run: draw a 1, then a 0.
	if err := chromedp.Do(ctx, chromedp.Navigate(hs.URL+"/runs/mnist-mlp"),
		chromedp.WaitVisible(chromedp.CSS(`#pad[data-enabled="1"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#classes tbody tr[data-class="9"]`))); err != nil {
		t.Fatalf("trained run: %v", err)
	}
	st.done("the trained run's page, with its test results")
	seq := 0
	for _, tc := range []struct {
		digit  string
		stroke []point
	}{{"1", strokeOne()}, {"0", strokeZero()}} {
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("clear"))); err != nil {
			t.Fatal(err)
		}
		if err := draw(ctx, tc.stroke); err != nil {
			t.Fatalf("draw a %s: %v", tc.digit, err)
		}
		class, n, png, err := shown(ctx, seq)
		if err != nil {
			t.Fatalf("after drawing a %s: %v", tc.digit, err)
		}
		seq = n
		var p Prediction
		if code := do(t, hs, http.MethodPost, "/api/runs/mnist-mlp/predict", "image/png", png, &p); code != http.StatusOK {
			t.Fatalf("POST the canvas of the %s: %d", tc.digit, code)
		}
		if class != p.ClassName {
			t.Errorf("the page shows %q for the drawn %s, but POST /predict of its canvas says %q", class, tc.digit, p.ClassName)
		}
		if class != tc.digit {
			t.Errorf("a drawn %s was predicted %q (probabilities %.3f)", tc.digit, class, p.Probabilities)
		}
		st.done(fmt.Sprintf("draw a %s: shown %q after %d predictions (confidence %.3f)", tc.digit, class, n, p.Confidence))
	}
	loaded, err := chromedp.Run(ctx, chromedp.Evaluate[int](`[...document.querySelectorAll("#pictures img")].filter(i => i.complete && i.naturalWidth > 0).length`))
	if err != nil || loaded != len(pictures) {
		t.Errorf("%d of the run's %d pictures shown: %v", loaded, len(pictures), err)
	}
	saveShot(t, ctx, shots, "serve-run.png")
	// The picture in README and docs/serve.md (.assets/serve.png): the page down to the pad.
	bottom, err := chromedp.Run(ctx, chromedp.Evaluate[int](`(() => { window.scrollTo(0, 0);
		return Math.ceil(document.querySelector("#pad-card").getBoundingClientRect().bottom + 16); })()`))
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1200, int64(bottom))); err != nil {
		t.Fatal(err)
	}
	top, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(shots, "serve.png"), top, 0o644); err != nil {
		t.Fatal(err)
	}
	st.done("pictures shown; screenshots")
}
