package cli

import (
	"errors"
	"flag"
	"io"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseShow(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want showOptions
	}{
		{"no flags: 64 training images in rows of 8", nil,
			showOptions{split: "train", n: 64, digit: -1, cols: 8, scale: 3, out: "samples.png"}},
		{"one digit of the test set", []string{"--split", "test", "--n", "20", "--digit", "7", "--out", "sevens.png"},
			showOptions{split: "test", n: 20, digit: 7, cols: 10, scale: 3, out: "sevens.png"}},
		{"columns and scale", []string{"--cols", "4", "--scale", "5"},
			showOptions{split: "train", n: 64, digit: -1, cols: 4, scale: 5, out: "samples.png"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := parseShow(tt.args, testEnv(io.Discard))
			if err != nil {
				t.Fatal(err)
			}
			if o.split != tt.want.split || o.n != tt.want.n || o.digit != tt.want.digit || o.cols != tt.want.cols ||
				o.scale != tt.want.scale || o.out != tt.want.out {
				t.Errorf("options %+v, want %+v", *o, tt.want)
			}
		})
	}
}

func TestParseShowErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want []string // in the error: what is wrong and what is accepted
	}{
		{"an unknown split", []string{"--split", "validation"}, []string{`"validation"`, "accepted: train, test"}},
		{"no images", []string{"--n", "0"}, []string{"--n 0", "1 to 1000"}},
		{"too many images", []string{"--n", "5000"}, []string{"--n 5000", "1 to 1000"}},
		{"a digit above 9", []string{"--digit", "10"}, []string{"--digit 10", "0 to 9"}},
		{"a scale of 0", []string{"--scale", "0"}, []string{"--scale 0", "1 to 10"}},
		{"an empty output name", []string{"--out", ""}, []string{"--out"}},
		{"an argument that is not a flag", []string{"samples.png"}, []string{`"samples.png"`, "only flags"}},
		{"an unknown flag", []string{"--bogus"}, []string{"-bogus", "neurona data show --help"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseShow(tt.args, testEnv(io.Discard))
			var ue usageError
			if !errors.As(err, &ue) {
				t.Fatalf("error %v, want a usage error", err)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q is more than one line", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestDataShow(t *testing.T) {
	dataDir := fakeMNIST(t) // 50 test images, labels cycling 0..9
	out := filepath.Join(t.TempDir(), "threes.png")
	var stdout strings.Builder
	err := runDataShow(testEnv(&stdout), []string{"--data-dir", dataDir, "--split", "test", "--digit", "3", "--out", out})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout.String(), "wrote "+out+" (5 images") {
		t.Errorf("stdout %q, want it to name %s and its 5 images", stdout.String(), out)
	}
	// Five digits in one row at scale 3, under a title.
	if w, h := pngSize(t, out); w < 5*84 || h < 84+40 || h > 84+200 {
		t.Errorf("%s is %dx%d, want one row of five 84-pixel digits", out, w, h)
	}
	t.Run("a data folder without MNIST fails naming it", func(t *testing.T) {
		missing := filepath.Join(t.TempDir(), "missing")
		err := runDataShow(testEnv(io.Discard), []string{"--data-dir", missing, "--out", out})
		if err == nil || !strings.Contains(err.Error(), missing) {
			t.Errorf("error %v, want one naming %s", err, missing)
		}
	})
}

func TestShowHelp(t *testing.T) {
	var stdout strings.Builder
	_, err := parseShow([]string{"--help"}, testEnv(&stdout))
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("error %v, want flag.ErrHelp", err)
	}
	for _, want := range []string{"Usage: neurona data show", "-digit int", "-split string", "-data-dir"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("help does not say %q:\n%s", want, stdout.String())
		}
	}
}
