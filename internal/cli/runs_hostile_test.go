package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// writeRun makes a run folder holding summary (JSON) and one metrics line.
func writeRun(t *testing.T, dir string, summary any) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "metrics.jsonl"), []byte(`{"epoch":1,"val_accuracy":0.9,"elapsed_seconds":1}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(summary)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "summary.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// runSummary is a summary.json as train writes it, with optimizer opt.
func runSummary(opt string) map[string]any {
	return map[string]any{
		"model":           map[string]any{"name": "mlp", "inputs": 784, "classes": 10, "hidden": []int{64}, "activation": "relu", "loss": "softmax_ce"},
		"hyperparameters": map[string]any{"optimizer": opt, "lr": 1e-3, "batch_size": 128, "epochs": 1, "schedule": "constant"},
		"epochs":          1, "best_val_accuracy": 0.9, "test_accuracy": 0.9, "stopped_because": "reached --epochs 1", "backend": "go",
	}
}

// mainOut runs Main and returns its exit code, stdout and stderr.
func mainOut(args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := Main(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// terminalSafe fails if out holds a byte or character a terminal acts on.
func terminalSafe(t *testing.T, what, out string) {
	t.Helper()
	if !utf8.ValidString(out) {
		t.Errorf("%s is not UTF-8: %q", what, out)
	}
	for _, r := range out {
		if r < 0x20 && r != '\n' || r >= 0x7f && r < 0xa0 || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 {
			t.Errorf("%s holds %U: %q", what, r, out)
			return
		}
	}
}

func TestRunsCommandsEscapeWhatTheyPrint(t *testing.T) {
	tests := []struct {
		name, folder, optimizer, shown string
	}{
		{"a folder name clearing the screen", "clear\x1b[2J\x1b[H", "adam", `clear\x1b[2J\x1b[H`},
		{"a folder name writing the clipboard (OSC 52)", "clip\x1b]52;c;cm0gLXJmIH4=\a", "adam", `clip\x1b]52;c;cm0gLXJmIH4=\a`},
		{"a folder name setting the title", "title\x1b]0;owned\x1b\\", "adam", `title\x1b]0;owned\x1b\`},
		{"a folder name with a right-to-left override", "run\u202egnp.exe", "adam", `run\u202egnp.exe`},
		{"a folder name with a bidi isolate", "run\u2066x\u2069", "adam", `run\u2066x\u2069`},
		{"a folder name with a C1 control", "run\u009d0;t\u009c", "adam", `run\u009d0;t\u009c`},
		{"a folder name of invalid UTF-8", "run\xfe\xff", "adam", `run\xfe\xff`},
		{"an optimizer holding OSC 52", "plain", "adam\x1b]52;c;aGk=\a", "invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			hostile := filepath.Join(root, tt.folder)
			writeRun(t, hostile, runSummary(tt.optimizer))
			other := filepath.Join(root, "other")
			writeRun(t, other, runSummary("sgd"))
			for _, args := range [][]string{
				{"runs", "list", root},
				{"runs", "list", "--json", root},
				{"runs", "compare", hostile, other, "--out", filepath.Join(t.TempDir(), "compare.png")},
			} {
				code, stdout, stderr := mainOut(args...)
				if code != ExitOK {
					t.Errorf("%s %s: exit %d: %s", args[0], args[1], code, stderr)
				}
				terminalSafe(t, strings.Join(args[:2], " ")+"'s stdout", stdout)
				terminalSafe(t, strings.Join(args[:2], " ")+"'s stderr", stderr)
				if args[2] != "--json" && !strings.Contains(stdout, tt.shown) {
					t.Errorf("%s %s does not show %s:\n%s", args[0], args[1], tt.shown, stdout)
				}
			}
		})
	}
}

func TestRunsListWarnsOfDamagedRuns(t *testing.T) {
	tests := []struct {
		name, summary, shown string
	}{
		{"an unreadable summary is damaged, not crashed", "{broken", "cannot be read"},
		{"a null summary is damaged, not failed", "null", "no model"},
		{"a negative epoch count is damaged", `{"model":{"name":"perceptron"},"epochs":-4}`, "epochs -4 is negative"},
		{"a 300-digit accuracy is damaged", `{"model":{"name":"perceptron"},"test_accuracy":1` + strings.Repeat("0", 299) + `}`, "is outside [0, 1]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			dir := filepath.Join(root, "run")
			writeRun(t, dir, nil)
			file := filepath.Join(dir, "summary.json")
			if err := os.WriteFile(file, []byte(tt.summary), 0o644); err != nil {
				t.Fatal(err)
			}
			code, stdout, stderr := mainOut("runs", "list", root)
			lines := strings.Split(strings.TrimSpace(stderr), "\n")
			if code != ExitOK || len(lines) != 1 || !strings.Contains(lines[0], file) || !strings.Contains(lines[0], tt.shown) {
				t.Errorf("exit %d, stderr:\n%s\nwant one warning naming %s and saying %q", code, stderr, file, tt.shown)
			}
			if !strings.Contains(stdout, "damaged") || strings.Contains(stdout, strings.Repeat("0", 20)) {
				t.Errorf("the list does not say damaged, or prints the number:\n%s", stdout)
			}
		})
	}
}
