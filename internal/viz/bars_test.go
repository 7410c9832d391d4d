package viz

import (
	"errors"
	"image"
	"strings"
	"testing"
)

// TestBarChart checks the bench picture is drawn as the other charts are:
// at their pixel size (the old one was 16 x 10 cm at gonum's default
// resolution, 605x378) and refusing what it cannot draw.
func TestBarChart(t *testing.T) {
	two := []BarSeries{{Name: "go", Values: []float64{4e4, 8e4, 1.2e5}}, {Name: "xla:cpu", Values: []float64{1.4e5, 2.8e5, 4.2e5}}}
	for _, tc := range []struct {
		name string
		bars Bars
		err  string
	}{
		{"two backends at three batch sizes", Bars{Groups: []string{"32", "128", "512"}, Series: two}, ""},
		{"one backend at one batch size", Bars{Groups: []string{"32"}, Series: []BarSeries{{Name: "go", Values: []float64{1}}}}, ""},
		{"no groups", Bars{Series: two}, ErrNoBars.Error()},
		{"a series short of values", Bars{Groups: []string{"32", "64"}, Series: []BarSeries{{Name: "go", Values: []float64{1}}}}, "1 values for 2 groups"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.bars.Title, tc.bars.XLabel, tc.bars.YLabel = "throughput", "batch size", "examples / s"
			img, err := BarChart(tc.bars)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Errorf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := decode(t, mustPNG(t, img)).Bounds().Size(); got != image.Pt(chartW, chartH) {
				t.Errorf("size %v, want %dx%d", got, chartW, chartH)
			}
		})
	}
	if _, err := BarChart(Bars{}); !errors.Is(err, ErrNoBars) {
		t.Errorf("empty chart: %v, want ErrNoBars", err)
	}
}
