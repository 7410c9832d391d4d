package runs

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// goodSummary is a summary.json as train writes it; each case of
// TestDescribeRefusesValuesNoRunWrites spoils one field of it.
func goodSummary() map[string]any {
	return map[string]any{
		"model":           map[string]any{"name": "mlp", "inputs": 784, "classes": 10, "hidden": []int{64}, "activation": "relu", "loss": "softmax_ce"},
		"hyperparameters": map[string]any{"optimizer": "adam", "lr": 1e-3, "batch_size": 128, "epochs": 2, "schedule": "constant"},
		"epochs":          2, "best_val_accuracy": 0.95, "test_accuracy": 0.94, "stopped_because": "reached --epochs 2",
		"train_seconds": 3, "backend": "go",
	}
}

func TestDescribeRefusesValuesNoRunWrites(t *testing.T) {
	tests := []struct {
		name    string
		spoil   func(s map[string]any)
		invalid string // the field shown as Invalid
	}{
		{"an unknown optimizer is refused", func(s map[string]any) { hp(s)["optimizer"] = "adam\x1b]52;c;aGk=\a" }, "optimizer"},
		{"an unknown activation makes the model invalid", func(s map[string]any) { model(s)["activation"] = "relu\u202e" }, "model"},
		{"an unknown model kind is refused", func(s map[string]any) { model(s)["name"] = "\x1b[2Jmlp" }, "model"},
		{"an unknown backend is refused", func(s map[string]any) { s["backend"] = "go\x1b]0;title\a" }, "backend"},
		{"an unknown schedule is refused", func(s map[string]any) { hp(s)["schedule"] = "cosine\u2066" }, "schedule"},
		{"an accuracy above 1 is refused", func(s map[string]any) { s["test_accuracy"] = 1e300 }, "test_accuracy"},
		{"a negative accuracy is refused", func(s map[string]any) { s["best_val_accuracy"] = -0.5 }, "best_val_accuracy"},
		{"a negative epoch count is refused", func(s map[string]any) { s["epochs"] = -3 }, "epochs"},
		{"a negative time is refused", func(s map[string]any) { s["train_seconds"] = -1 }, "train_seconds"},
		{"a 300-digit time is refused", func(s map[string]any) { s["train_seconds"] = 1e300 }, "train_seconds"},
		{"a negative learning rate is refused", func(s map[string]any) { hp(s)["lr"] = -0.1 }, "lr"},
		{"a batch size beyond the largest is refused", func(s map[string]any) { hp(s)["batch_size"] = 1 << 40 }, "batch_size"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "run")
			s := goodSummary()
			tt.spoil(s)
			fakeRun(t, dir, s, 0.9)
			r := Describe(dir, "run")
			if r.Status != Damaged || !slices.Contains(r.Invalid, tt.invalid) {
				t.Errorf("status %q, invalid %v; want %q with %s invalid", r.Status, r.Invalid, Damaged, tt.invalid)
			}
			if !strings.HasPrefix(r.Problem, filepath.Join(dir, "summary.json")+": ") {
				t.Errorf("the problem does not name the file first: %q", r.Problem)
			}
			var b bytes.Buffer
			if err := WriteList(&b, []Run{r}); err != nil {
				t.Fatal(err)
			}
			if err := WriteCompare(&b, []Run{r, r}); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(b.String(), Invalid) {
				t.Errorf("the list does not say %s:\n%s", Invalid, b.String())
			}
			checkPrintable(t, b.String()+r.Problem)
			if strings.Contains(b.String(), "1e+300") || strings.Contains(b.String(), "-3 ") {
				t.Errorf("the refused value is printed:\n%s", b.String())
			}
		})
	}
}

func TestDescribeCallsADamagedSummaryDamaged(t *testing.T) {
	tests := []struct {
		name, summary, problem string
	}{
		{"a summary that is not JSON", "{not json", "cannot be read"},
		{"a null summary", "null", "no model"},
		{"an empty object", "{}", "no model"},
		{"an epoch count of 300 digits", `{"epochs": 1` + strings.Repeat("0", 299) + `}`, "cannot be read"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "run")
			fakeRun(t, dir, nil, 0.5, 0.6)
			if err := os.WriteFile(filepath.Join(dir, "summary.json"), []byte(tt.summary), 0o644); err != nil {
				t.Fatal(err)
			}
			r := Describe(dir, "run")
			if r.Status != Damaged || !strings.Contains(r.Problem, tt.problem) || !strings.Contains(r.Problem, "summary.json") {
				t.Errorf("status %q, problem %q; want %q naming summary.json and saying %q", r.Status, r.Problem, Damaged, tt.problem)
			}
		})
	}
}

func TestListShowsACrashedRunsRecipe(t *testing.T) {
	r := Run{Name: "c", Status: Crashed, Optimizer: "sgd", LR: 0.5, BatchSize: 32, Epochs: 1}
	var b bytes.Buffer
	if err := WriteList(&b, []Run{r}); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(strings.Fields(b.String()), " "); !strings.Contains(got, "sgd 0.5 32 crashed") {
		t.Errorf("the list hides what it read:\n%s", b.String())
	}
}

func TestListAndCompareEscapeFolderNames(t *testing.T) {
	names := []struct{ name, folder, shown string }{
		{"ESC [2J clearing the screen", "clear\x1b[2J", `clear\x1b[2J`},
		{"OSC 52 writing the clipboard", "clip\x1b]52;c;aGk=\a", `clip\x1b]52;c;aGk=\a`},
		{"a right-to-left override", "gpj\u202eexe", `gpj\u202eexe`},
		{"a bidi isolate", "iso\u2067late", `iso\u2067late`},
		{"a C1 control", "c1\u009b2J", `c1\u009b2J`},
		{"invalid UTF-8", "bad\xff", `bad\xff`},
	}
	for _, tt := range names {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			s := goodSummary()
			hp(s)["schedule"] = "constant"
			fakeRun(t, filepath.Join(root, tt.folder), s, 0.9)
			fakeRun(t, filepath.Join(root, "plain"), goodSummary(), 0.8)
			l, err := Find(root)
			if err != nil || len(l.Runs) != 2 {
				t.Fatalf("Find: %d runs, %v", len(l.Runs), err)
			}
			var b bytes.Buffer
			if err := WriteList(&b, l.Runs); err != nil {
				t.Fatal(err)
			}
			if err := WriteCompare(&b, l.Runs); err != nil {
				t.Fatal(err)
			}
			checkPrintable(t, b.String())
			if !strings.Contains(b.String(), tt.shown) {
				t.Errorf("the output does not show %s:\n%s", tt.shown, b.String())
			}
		})
	}
}

// checkPrintable fails if out holds a byte or character a terminal acts on.
func checkPrintable(t *testing.T, out string) {
	t.Helper()
	if !utf8.ValidString(out) {
		t.Errorf("the output is not UTF-8: %q", out)
	}
	for _, r := range out {
		if r < 0x20 && r != '\n' || r >= 0x7f && r < 0xa0 || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 {
			t.Errorf("the output holds %U: %q", r, out)
			return
		}
	}
}

func hp(s map[string]any) map[string]any    { return s["hyperparameters"].(map[string]any) }
func model(s map[string]any) map[string]any { return s["model"].(map[string]any) }

func TestFindCountsTheRunsBeyondItsLimit(t *testing.T) {
	root := t.TempDir()
	for _, name := range []string{"e", "d", "c", "b", "a"} {
		fakeRun(t, filepath.Join(root, name), nil, 0.5)
	}
	l, err := find(root, 3)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range l.Runs {
		names = append(names, r.Name)
	}
	if got := strings.Join(names, ","); got != "a,b,c" || l.LeftOut != 2 {
		t.Errorf("listed %s and left out %d; want a,b,c (the first by name) and 2", got, l.LeftOut)
	}
}
