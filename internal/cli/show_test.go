package cli

import (
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/neurona/neurona/data"
)

func TestParseShow(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want showOptions
	}{
		{"no flags: 64 training images in rows of 8", nil,
			showOptions{split: "train", n: 64, cols: 8, scale: 3, out: "samples.png"}},
		{"one digit of the test set", []string{"--split", "test", "--n", "20", "--digit", "7", "--out", "sevens.png"},
			showOptions{split: "test", n: 20, class: "7", classFlag: "--digit", cols: 10, scale: 3, out: "sevens.png"}},
		{"--digit -1 is all images, as before", []string{"--digit", "-1"},
			showOptions{split: "train", n: 64, cols: 8, scale: 3, out: "samples.png"}},
		{"one class by name", []string{"--class", "cat"},
			showOptions{split: "train", n: 64, class: "cat", classFlag: "--class", cols: 8, scale: 3, out: "samples.png"}},
		{"one class by number", []string{"--class", " 12 "},
			showOptions{split: "train", n: 64, class: "12", classFlag: "--class", cols: 8, scale: 3, out: "samples.png"}},
		{"columns and scale", []string{"--cols", "4", "--scale", "5"},
			showOptions{split: "train", n: 64, cols: 4, scale: 5, out: "samples.png"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := parseShow(tt.args, testEnv(io.Discard))
			if err != nil {
				t.Fatal(err)
			}
			if o.split != tt.want.split || o.n != tt.want.n || o.class != tt.want.class || o.classFlag != tt.want.classFlag ||
				o.cols != tt.want.cols || o.scale != tt.want.scale || o.out != tt.want.out {
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
		{"a negative digit", []string{"--digit", "-2"}, []string{"--digit -2", "0 or more"}},
		{"both --class and --digit", []string{"--class", "3", "--digit", "3"}, []string{"--class", "--digit", "give one"}},
		{"an empty class", []string{"--class", " "}, []string{"--class is empty", "number or name"}},
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

func TestDataShowClasses(t *testing.T) {
	named := fakeDataset(t, 12, 10, 3, animalNames) // 50 test images: 17 cats, 17 dogs, 16 birds
	unnamed := fakeDataset(t, 12, 10, 3, nil)
	numbered := fakeDataset(t, 12, 10, 3, []string{"2", "1", "0"}) // class 0 (17 images) is named "2"
	big := fakeDataset(t, 350, 100, 2, nil)
	tests := []struct {
		name string
		args []string
		want string // in stdout
		minW int    // the picture's width at least
	}{
		{"a class by name", []string{"--data-dir", named, "--class", "dog"}, "(17 images", 10 * 3 * 10},
		{"a class by number", []string{"--data-dir", named, "--class", "2"}, "(16 images", 10 * 3 * 10},
		{"--digit, the old name, by number", []string{"--data-dir", unnamed, "--digit", "1"}, "(17 images", 10 * 3 * 10},
		{"all images of any size", []string{"--data-dir", unnamed, "--n", "5"}, "(5 images", 5 * 3 * 10},
		{"--class 2 with classes named 2, 1, 0 is the class named 2", []string{"--data-dir", numbered, "--class", "2"}, "(17 images", 10 * 3 * 10},
		{"--digit 2 with classes named 2, 1, 0 is the same class", []string{"--data-dir", numbered, "--digit", "2"}, "(17 images", 10 * 3 * 10},
		{"--digit 0 with classes named 2, 1, 0 is the class named 0", []string{"--data-dir", numbered, "--digit", "0"}, "(16 images", 10 * 3 * 10},
		{"images larger than a tile are shrunk, and it says so", []string{"--data-dir", big, "--n", "2"},
			"images of 350x100 pixels shrunk to 320x91", 2 * 91},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "s.png")
			code, stdout, stderr := cliRun(append([]string{"data", "show", "--split", "test", "--out", out}, tt.args...)...)
			if code != ExitOK || stderr != "" {
				t.Fatalf("exit code %d, stderr %q", code, stderr)
			}
			if !strings.Contains(stdout, tt.want) {
				t.Errorf("stdout %q, want it to say %q", stdout, tt.want)
			}
			if w, _ := pngSize(t, out); w < tt.minW {
				t.Errorf("picture %d pixels wide, want at least %d", w, tt.minW)
			}
		})
	}
	mnist := fakeMNIST(t)
	out := filepath.Join(t.TempDir(), "s.png")
	checkFailures(t, []usageCase{
		{"a class number beyond the data's", []string{"data", "show", "--data-dir", named, "--class", "12", "--out", out}, ExitUsage,
			[]string{"--class 12 (the data has classes 0 to 2)"}, 0},
		{"a digit beyond MNIST's", []string{"data", "show", "--data-dir", mnist, "--digit", "10", "--out", out}, ExitUsage,
			[]string{"--digit 10 (the data has classes 0 to 9)"}, 0},
		{"an unknown name lists the names", []string{"data", "show", "--data-dir", named, "--class", "zebra", "--out", out}, ExitUsage,
			[]string{`--class "zebra"`, "0 to 2", `"cat", "dog", "bird"`}, 0},
		{"a name for unnamed classes", []string{"data", "show", "--data-dir", unnamed, "--class", "cat", "--out", out}, ExitUsage,
			[]string{`--class "cat"`, "no names", "0 to 2"}, 0},
		{"--digit takes numbers, not names", []string{"data", "show", "--data-dir", named, "--digit", "cat", "--out", out}, ExitUsage,
			[]string{"-digit"}, 0},
		{"both --class and --digit", []string{"data", "show", "--data-dir", named, "--class", "cat", "--digit", "0", "--out", out}, ExitUsage,
			[]string{"--class and --digit", "give one"}, 0},
	})
	if _, err := os.Stat(out); err == nil {
		t.Errorf("%s was written by a failed command", out)
	}
}

func TestClassIndex(t *testing.T) {
	many := data.Classes{N: 8, Names: []string{"a", "b", "c", "d", "e", "f", "g", "7"}}
	tests := []struct {
		name    string
		classes data.Classes
		flag, s string
		want    int
		err     string // "" for none
	}{
		{"a name", many, "--class", "c", 2, ""},
		{"a number", many, "--class", "3", 3, ""},
		{"a name that is a number is the name", many, "--class", "7", 7, ""},
		{"--class takes a number that is a name as the name", data.Classes{N: 3, Names: []string{"2", "1", "0"}}, "--class", "0", 2, ""},
		{"--digit resolves a number as --class does", data.Classes{N: 3, Names: []string{"2", "1", "0"}}, "--digit", "0", 2, ""},
		{"a negative number", many, "--class", "-1", 0, "--class -1 (the data has classes 0 to 7)"},
		{"a huge number", many, "--class", "99999999999999999999", 0, "the data has classes 0 to 7"},
		{"an unknown name lists five names and the count", many, "--class", "z", 0, `"a", "b", "c", "d", "e", … (8 names)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := classIndex(tt.classes, tt.flag, tt.s)
			if tt.err == "" {
				if err != nil || got != tt.want {
					t.Errorf("class %d, error %v; want %d", got, err, tt.want)
				}
				return
			}
			var ue usageError
			if !errors.As(err, &ue) || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("error %v, want a usage error saying %q", err, tt.err)
			}
		})
	}
}
