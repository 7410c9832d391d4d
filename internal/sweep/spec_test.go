package sweep

import (
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// trainFlags stands for `neurona train`'s flags.
var trainFlags = Flags{
	Known: func(name string) bool {
		switch name {
		case "lr", "hidden", "activation", "batch-size", "epochs", "model", "drop-last", "data-dir", "backend", "seed":
			return true
		}
		return false
	},
	FixedOnly: map[string]bool{"data-dir": true, "backend": true},
	Never:     map[string]bool{"resume": true, "run-dir": true},
}

func TestGridPlan(t *testing.T) {
	s, err := ParseArgs([]string{"--lr", "1e-3,3e-3", "--hidden=256,512x2", "--epochs", "1", "--activation", "relu"}, trainFlags, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	trials, err := s.Plan()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"--lr=1e-3", "--hidden=256", "--epochs=1", "--activation=relu"},
		{"--lr=1e-3", "--hidden=512,512", "--epochs=1", "--activation=relu"},
		{"--lr=3e-3", "--hidden=256", "--epochs=1", "--activation=relu"},
		{"--lr=3e-3", "--hidden=512,512", "--epochs=1", "--activation=relu"},
	}
	if len(trials) != len(want) {
		t.Fatalf("%d trials, want %d", len(trials), len(want))
	}
	for i, tr := range trials {
		if !reflect.DeepEqual(tr.Args, want[i]) {
			t.Errorf("trial %d: args %q, want %q", i, tr.Args, want[i])
		}
	}
	if got := trials[3].Settings; !reflect.DeepEqual(got, map[string]string{"lr": "3e-3", "hidden": "512,512"}) {
		t.Errorf("settings %v: want the swept flags only", got)
	}
	if trials[0].Name != "trial-001" || trials[3].Name != "trial-004" {
		t.Errorf("names %q, %q", trials[0].Name, trials[3].Name)
	}
	if got := s.Swept(); !reflect.DeepEqual(got, []string{"lr", "hidden"}) {
		t.Errorf("Swept() = %v", got)
	}
}

func TestHiddenSyntax(t *testing.T) {
	tests := map[string]string{"256": "256", "512x2": "512,512", "128+64": "128,64", "256x2+10": "256,256,10", "none": ""}
	for in, want := range tests {
		if got, err := parseLayers(in); err != nil || got != want {
			t.Errorf("parseLayers(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"x2", "512x0", "512x", "a", "512x65", "0", "-1", "1+", "64x40+64x30"} {
		if got, err := parseLayers(bad); err == nil {
			t.Errorf("parseLayers(%q) = %q, want an error", bad, got)
		}
	}
}

func TestRandomPlan(t *testing.T) {
	args := []string{"--lr", "1e-4:1e-2:log", "--hidden-width", "64:1024", "--hidden-layers", "1:3", "--batch-size", "32,64,128", "--epochs", "1"}
	s, err := ParseArgs(args, trainFlags, 20, 7)
	if err != nil {
		t.Fatal(err)
	}
	a, err := s.Plan()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := s.Plan()
	if len(a) != 20 || !reflect.DeepEqual(a, b) {
		t.Fatalf("%d trials; the same seed drew different trials", len(a))
	}
	other, _ := ParseArgs(args, trainFlags, 20, 8)
	c, _ := other.Plan()
	if reflect.DeepEqual(a, c) {
		t.Error("seeds 7 and 8 drew the same trials")
	}
	for _, tr := range a {
		if len(tr.Settings) != 3 || tr.Settings["hidden"] == "" || tr.Settings["lr"] == "" || tr.Settings["batch-size"] == "" {
			t.Errorf("trial %s settings %v, want lr, hidden and batch-size", tr.Name, tr.Settings)
		}
		layers := strings.Split(tr.Settings["hidden"], ",")
		if len(layers) < 1 || len(layers) > 3 {
			t.Errorf("trial %s: %d layers, want 1 to 3", tr.Name, len(layers))
		}
	}
	if got := s.Swept(); !reflect.DeepEqual(got, []string{"lr", "hidden", "batch-size"}) {
		t.Errorf("Swept() = %v", got)
	}
}

func TestBadSpecs(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		random int
		errHas string
	}{
		{"an empty list item", []string{"--lr", "1e-3,,2e-3"}, 0, "empty choice"},
		{"an empty value", []string{"--lr", ""}, 0, "empty choice"},
		{"an unknown flag", []string{"--learning-rate", "1,2"}, 0, "unknown flag --learning-rate"},
		{"a flag a sweep manages", []string{"--resume", "runs/x", "--lr", "1,2"}, 0, "--resume cannot be given to a sweep"},
		{"run-dir", []string{"--run-dir=x"}, 0, "--run-dir cannot"},
		{"a range with min > max", []string{"--lr", "1e-2:1e-4"}, 5, "min > max"},
		{"a log range from 0", []string{"--lr", "0:1:log"}, 5, "min > 0"},
		{"a range in a grid", []string{"--lr", "1e-4:1e-2"}, 0, "ranges need --random"},
		{"a fixed-only flag swept", []string{"--data-dir", "a,b", "--lr", "1,2"}, 0, "--data-dir takes one value"},
		{"nothing swept", []string{"--lr", "1e-3"}, 0, "nothing is swept"},
		{"a flag twice", []string{"--lr", "1", "--lr", "2"}, 0, "given twice"},
		{"a flag without a value", []string{"--drop-last"}, 0, "has no value"},
		{"a stray argument", []string{"lr", "1,2"}, 0, "unexpected argument"},
		{"a duplicate choice", []string{"--lr", "1,1"}, 0, "twice"},
		{"a huge grid", []string{"--seed", count(1000), "--lr", count(1000)}, 0, "more than 10000 trials"},
		{"too many random trials", []string{"--lr", "1,2"}, MaxTrials + 1, "--random"},
		{"hidden-width in a grid", []string{"--hidden-width", "64,128"}, 0, "for --random"},
		{"hidden-layers alone", []string{"--hidden-layers", "1:2"}, 3, "needs --hidden-width"},
		{"hidden and hidden-width", []string{"--hidden", "64", "--hidden-width", "8:16"}, 3, "one way"},
		{"a fractional width", []string{"--hidden-width", "0.5:8"}, 3, "whole numbers"},
		{"a bad hidden choice", []string{"--hidden", "64,abc"}, 0, `--hidden "abc"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseArgs(tt.args, trainFlags, tt.random, 1)
			if !errors.Is(err, ErrSpec) || !strings.Contains(err.Error(), tt.errHas) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error %v, want one line wrapping ErrSpec saying %q", err, tt.errHas)
			}
		})
	}
}

// count is the list "1,2,...,n".
func count(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = strconv.Itoa(i + 1)
	}
	return strings.Join(parts, ",")
}

// FuzzParseArgs checks that no specification makes the parser panic or
// plan more than it accepted.
func FuzzParseArgs(f *testing.F) {
	f.Add("--lr\x001e-3,3e-3\x00--hidden\x00256,512x2", 0)
	f.Add("--lr\x001e-4:1e-2:log\x00--hidden-width\x0064:1024", 4)
	f.Fuzz(func(t *testing.T, joined string, random int) {
		s, err := ParseArgs(strings.Split(joined, "\x00"), trainFlags, random%50, 1)
		if err != nil {
			if !errors.Is(err, ErrSpec) {
				t.Fatalf("error %v does not wrap ErrSpec", err)
			}
			return
		}
		n, err := s.Trials()
		if err != nil || n < 1 || n > MaxTrials {
			t.Fatalf("accepted a spec of %d trials (%v)", n, err)
		}
		trials, err := s.Plan()
		if err != nil || len(trials) != n {
			t.Fatalf("Plan: %d trials, %v; want %d", len(trials), err, n)
		}
	})
}
