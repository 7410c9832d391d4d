package report

import (
	"bytes"
	"context"
	"encoding/base64"
	"html"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/neurona/neurona/data"
	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train/config"
	"github.com/neurona/neurona/train/runfolder"
)

func ptr(x float64) *float64 { return &x }

// fakeInput is a report of a perceptron evaluated on 120 made-up images
// (a vertical bar whose position is the digit), every eighth one wrong.
func fakeInput(t *testing.T) *Input {
	t.Helper()
	const n, side = 120, 28
	set := &data.Set{N: n, Rows: side, Cols: side}
	ev := &runfolder.Evaluation{Examples: n, Loss: 0.1234, Confusion: make([][]int, 10),
		Precision: make([]float64, 10), Recall: make([]float64, 10)}
	for i := range ev.Confusion {
		ev.Confusion[i] = make([]int, 10)
	}
	for i := range n {
		d := i % 10
		px := make([]uint8, side*side)
		for y := 4; y < 24; y++ {
			px[y*side+4+2*d] = 255
		}
		set.Images = append(set.Images, px...)
		set.Labels = append(set.Labels, uint8(d))
		pred := d
		if i%8 == 0 {
			pred = (d + 3) % 10
			ev.Wrong = append(ev.Wrong, i)
		}
		probs := make([]float32, 10)
		probs[pred] = 0.9
		probs[(pred+1)%10] = 0.1
		ev.Predicted = append(ev.Predicted, pred)
		ev.Probs = append(ev.Probs, probs)
		ev.Confusion[d][pred]++
	}
	ev.Accuracy = 1 - float64(len(ev.Wrong))/n
	for c := range 10 {
		var col, row int
		for o := range 10 {
			col += ev.Confusion[o][c]
			row += ev.Confusion[c][o]
		}
		ev.Precision[c] = float64(ev.Confusion[c][c]) / float64(col)
		ev.Recall[c] = float64(ev.Confusion[c][c]) / float64(row)
	}
	cfg := config.Defaults(models.Perceptron)
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	acc := 0.875
	return &Input{
		RunDir: "runs/perceptron-test",
		Summary: &runfolder.Summary{Backend: "go", BackendDescription: "Go Portable Compute Backend", Epochs: 2, GlobalStep: 844,
			StoppedBecause: "reached --epochs 2", TrainSeconds: 0.84, WallSeconds: 0.94, ExamplesPerSecond: 128053,
			TestAccuracy: &acc, EvaluatedEpoch: 1, BestEpoch: 1, BestValAccuracy: ptr(0.8852)},
		Metrics: []runfolder.EpochMetrics{
			{Epoch: 1, TrainLoss: 98.3, TrainAccuracy: 0.82, ValLoss: ptr(33.4), ValAccuracy: ptr(0.885)},
			{Epoch: 2, TrainLoss: 55.9, TrainAccuracy: 0.85, ValLoss: ptr(35.6), ValAccuracy: ptr(0.878)},
		},
		Config:      cfg,
		Params:      []models.Param{{Name: "/perceptron/dense/weights", Shape: []int{10, 784}}, {Name: "/perceptron/dense/biases", Shape: []int{10}}},
		Checkpoint:  "runs/perceptron-test/checkpoints/ckpt-000000422",
		Step:        422,
		Epoch:       1,
		EvalBackend: "go",
		Test:        set,
		Eval:        ev,
		Created:     time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
	}
}

func render(t *testing.T, in *Input) string {
	t.Helper()
	var b bytes.Buffer
	if err := Render(&b, in); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

var imgSrc = regexp.MustCompile(`<img src="([^"]*)"`)

func TestRender(t *testing.T) {
	page := render(t, fakeInput(t))
	if !strings.HasPrefix(page, "<!DOCTYPE html>") || !strings.HasSuffix(strings.TrimSpace(page), "</html>") {
		t.Errorf("not a whole HTML page:\n%.200s", page)
	}
	for _, want := range []string{
		"<title>neurona report: perceptron 784-10 (87.50% test accuracy)</title>",
		`<div class="v" id="test-accuracy">87.50%</div>`,
		"test accuracy (120 images)",
		"0.1234", // the test loss
		"run folder runs/perceptron-test",
		"ckpt-000000422 (step 422, epoch 1)",
		"the run reported test accuracy 0.8750 (weights of epoch 1)",
		"<td>optimizer</td><td>sgd</td>",
		"<td>model.name</td><td>perceptron</td>",
		"<td>perceptron</td><td>weights [10×784], biases [10]</td><td class=\"n\">7,850</td>",
		"go (Go Portable Compute Backend)",
		"128,053 examples/s",
		"0.8852 at epoch 1",
		"Learning curves", "Confusion matrix", "Misclassified test images", "A sample of correct predictions",
		`<td class="n">mean</td>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("report does not hold %q", want)
		}
	}
	// Self-contained: nothing is fetched. The only URLs are data: URIs.
	for _, bad := range []string{"http://", "https://", "<script", "<link", "@import", "url(", "ZgotmplZ"} {
		if strings.Contains(page, bad) {
			t.Errorf("report holds %q", bad)
		}
	}
	srcs := imgSrc.FindAllStringSubmatch(page, -1)
	if len(srcs) != 4 {
		t.Fatalf("%d pictures, want 4 (curves, confusion, misclassified, correct)", len(srcs))
	}
	for i, m := range srcs {
		src := html.UnescapeString(m[1])
		b64, ok := strings.CutPrefix(src, "data:image/png;base64,")
		if !ok {
			t.Errorf("picture %d: src %.40q is not a PNG data: URI", i, src)
			continue
		}
		b, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			t.Errorf("picture %d: %v", i, err)
			continue
		}
		cfg, err := png.DecodeConfig(bytes.NewReader(b))
		if err != nil || cfg.Width < 300 || cfg.Height < 200 {
			t.Errorf("picture %d: %dx%d PNG (%v)", i, cfg.Width, cfg.Height, err)
		}
	}
}

func TestRenderWithoutSummaryOrMetrics(t *testing.T) {
	in := fakeInput(t)
	in.Summary, in.Metrics = nil, nil
	page := render(t, in)
	for _, want := range []string{"no summary.json", "nothing to plot", "87.50%"} {
		if !strings.Contains(page, want) {
			t.Errorf("report does not say %q", want)
		}
	}
	if n := len(imgSrc.FindAllString(page, -1)); n != 3 {
		t.Errorf("%d pictures, want 3 (no curves)", n)
	}
}

func TestRenderRejectsAMismatchedEvaluation(t *testing.T) {
	in := fakeInput(t)
	in.Eval.Predicted = in.Eval.Predicted[:10]
	if err := Render(&bytes.Buffer{}, in); err == nil {
		t.Error("no error")
	}
	in.Eval = nil
	if err := Render(&bytes.Buffer{}, in); err == nil {
		t.Error("no error without an evaluation")
	}
}

func TestReadRun(t *testing.T) {
	t.Run("a finished run", func(t *testing.T) {
		dir := t.TempDir()
		write(t, filepath.Join(dir, "summary.json"), `{"backend":"go","epochs":2,"test_accuracy":0.9}`)
		write(t, filepath.Join(dir, "metrics.jsonl"), `{"epoch":1,"train_loss":1}`+"\n"+
			`{"kind":"step","global_step":3,"epochs":1.5,"train_loss":0.7,"lr":0.01}`+"\n"+`{"epoch":2,"train_loss":0.5}`+"\n")
		s, m, damaged, err := ReadRun(dir)
		if err != nil || damaged != nil {
			t.Fatal(err, damaged)
		}
		if s == nil || s.Backend != "go" || s.TestAccuracy == nil || *s.TestAccuracy != 0.9 || len(m.Epochs) != 2 || len(m.Steps) != 1 {
			t.Errorf("summary %+v, metrics %+v", s, m)
		}
	})
	t.Run("an empty folder: neither", func(t *testing.T) {
		s, m, _, err := ReadRun(t.TempDir())
		if s != nil || m.Epochs != nil || m.Steps != nil || err != nil {
			t.Errorf("summary %v, metrics %v, error %v; want nothing", s, m, err)
		}
	})
	t.Run("a broken summary is an error naming it", func(t *testing.T) {
		dir := t.TempDir()
		write(t, filepath.Join(dir, "summary.json"), `{"backend":`)
		if _, _, _, err := ReadRun(dir); err == nil || !strings.Contains(err.Error(), "summary.json") {
			t.Errorf("error %v", err)
		}
	})
	t.Run("a damaged metrics line is skipped with a warning", func(t *testing.T) {
		dir := t.TempDir()
		write(t, filepath.Join(dir, "metrics.jsonl"), `{"epoch":1,"train_loss":1}`+"\n"+`{"epoch":2,"train_lo`)
		_, m, damaged, err := ReadRun(dir)
		if err != nil || len(m.Epochs) != 1 || len(damaged) != 1 || !strings.Contains(damaged[0], "metrics.jsonl:2") {
			t.Errorf("metrics %+v, damaged %q, error %v", m, damaged, err)
		}
	})
}

func write(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestFlatten(t *testing.T) {
	got, err := flatten(struct {
		Model struct {
			Name   string `json:"name"`
			Hidden []int  `json:"hidden"`
		} `json:"model"`
		LR   float64 `json:"lr"`
		Best *int    `json:"best"`
	}{Model: struct {
		Name   string `json:"name"`
		Hidden []int  `json:"hidden"`
	}{"mlp", []int{512, 256}}, LR: 0.001})
	if err != nil {
		t.Fatal(err)
	}
	want := [][2]string{{"model.name", "mlp"}, {"model.hidden", "512, 256"}, {"lr", "0.001"}, {"best", "null"}}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("row %d: %v, want %v", i, got[i], want[i])
		}
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 669706: "669,706", -1234567: "-1,234,567"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
}

// chromium returns the path of a Chromium to render with, or skips.
func chromium(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a browser (-short)")
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("no Chromium found, and CI must run this test (.ci/run installs Debian's chromium)")
	}
	t.Skip("no Chromium found (Debian: apt-get install chromium)")
	return ""
}

// TestReportRendersInChromium opens the report in headless Chromium, with
// every network feature off, and checks the screenshot: the page lays out
// and the embedded pictures decode (the validation curve's orange shows).
func TestReportRendersInChromium(t *testing.T) {
	browser := chromium(t)
	dir := t.TempDir()
	page := filepath.Join(dir, File)
	if err := Write(page, fakeInput(t)); err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(dir, "shot.png")
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
		"--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+filepath.Join(dir, "profile"), "--screenshot="+shot, "--window-size=1200,2000",
		"file://"+page)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, out)
	}
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if got := img.Bounds().Size(); got != image.Pt(1200, 2000) {
		t.Errorf("screenshot %v, want 1200x2000", got)
	}
	var ink, orange int
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			r, g, bl = r>>8, g>>8, bl>>8
			if r < 128 && g < 128 && bl < 128 {
				ink++
			}
			// The validation curve's orange (255, 127, 14), give or take
			// the scaling: no other part of the page has that colour.
			if r > 220 && g > 100 && g < 155 && bl < 70 {
				orange++
			}
		}
	}
	if ink < 5000 {
		t.Errorf("screenshot has %d dark pixels: the page did not render", ink)
	}
	if orange < 200 {
		t.Errorf("screenshot has %d pixels of the validation curve's orange: the embedded pictures did not render", orange)
	}
}
