package cli

import (
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train/backend"
	"github.com/neurona/neurona/train/config"
	"github.com/neurona/neurona/train/runfolder"
)

// writeFile writes text into a new file name in a temporary folder.
func writeFile(t *testing.T, name, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestTrainConfigFile(t *testing.T) {
	tests := []struct {
		name, file, text string
		args             []string // after --config FILE
		check            func(t *testing.T, o *trainOptions)
	}{
		{"a key sets its flag", "c.yaml", "batch-size: 64\n", nil, func(t *testing.T, o *trainOptions) {
			if o.cfg.BatchSize != 64 || !o.set["batch-size"] || o.cfg.LR != config.Defaults(models.MLP).LR {
				t.Errorf("batch %d (set %v), lr %g; want 64, set, and the MLP's default lr", o.cfg.BatchSize, o.set["batch-size"], o.cfg.LR)
			}
		}},
		{"hidden as a list", "c.yaml", "hidden: [64, 32]\n", nil, func(t *testing.T, o *trainOptions) {
			if !slices.Equal(o.cfg.Model.Hidden, []int{64, 32}) {
				t.Errorf("hidden %v, want [64 32]", o.cfg.Model.Hidden)
			}
		}},
		{"hidden as a block list", "c.yaml", "hidden:\n  - 64\n  - 32\n", nil, func(t *testing.T, o *trainOptions) {
			if !slices.Equal(o.cfg.Model.Hidden, []int{64, 32}) {
				t.Errorf("hidden %v, want [64 32]", o.cfg.Model.Hidden)
			}
		}},
		{"hidden as the flag's text", "c.yaml", `hidden: "64,32"` + "\n", nil, func(t *testing.T, o *trainOptions) {
			if !slices.Equal(o.cfg.Model.Hidden, []int{64, 32}) {
				t.Errorf("hidden %v, want [64 32]", o.cfg.Model.Hidden)
			}
		}},
		{"an empty hidden list is no hidden layer", "c.yaml", "hidden: []\n", nil, func(t *testing.T, o *trainOptions) {
			if h := o.cfg.Model.Hidden; h == nil || len(h) != 0 {
				t.Errorf("hidden %#v, want none", h)
			}
		}},
		{"the command line wins", "c.yaml", "batch-size: 64\nepochs: 2\n", []string{"--batch-size", "32"}, func(t *testing.T, o *trainOptions) {
			if o.cfg.BatchSize != 32 || o.cfg.Epochs != 2 {
				t.Errorf("batch %d, epochs %d; want 32 from the flag and 2 from the file", o.cfg.BatchSize, o.cfg.Epochs)
			}
		}},
		{"the model in a file gives its defaults", "c.yaml", "model: perceptron\n", nil, func(t *testing.T, o *trainOptions) {
			if want := wantDefaults(t, models.Perceptron); !sameConfig(o.cfg, want) {
				t.Errorf("config\n%+v\nwant the perceptron's defaults\n%+v", o.cfg, want)
			}
		}},
		{"booleans, floats in any notation, strings", "c.yml", "drop-last: true\nlr: 5e-4\nkeep-best: false\nloop: unroll\nprogress: never\n", nil,
			func(t *testing.T, o *trainOptions) {
				c := o.cfg
				if !c.DropLast || c.LR != 5e-4 || c.KeepBest || c.Loop != "unroll" || c.Progress {
					t.Errorf("config %+v", c)
				}
			}},
		{"JSON by its extension", "c.json", `{"batch-size": 16, "hidden": [8], "optimizer": "sgd"}`, nil, func(t *testing.T, o *trainOptions) {
			if o.cfg.BatchSize != 16 || !slices.Equal(o.cfg.Model.Hidden, []int{8}) || o.cfg.Optimizer != "sgd" || o.printConfig != "" {
				t.Errorf("config %+v", o.cfg)
			}
		}},
		{"JSON by its content, printed back as JSON", "settings", "{\n  \"epochs\": 3\n}\n", []string{"--print-config"}, func(t *testing.T, o *trainOptions) {
			if o.cfg.Epochs != 3 || o.printConfig != "json" {
				t.Errorf("epochs %d, print-config %q; want 3 and json", o.cfg.Epochs, o.printConfig)
			}
		}},
		{"YAML printed back as YAML", "c.yaml", "epochs: 3\n", []string{"--print-config"}, func(t *testing.T, o *trainOptions) {
			if o.printConfig != "yaml" {
				t.Errorf("print-config %q, want yaml", o.printConfig)
			}
		}},
		{"--print-config=json overrides the file's format", "c.yaml", "epochs: 3\n", []string{"--print-config=json"}, func(t *testing.T, o *trainOptions) {
			if o.printConfig != "json" {
				t.Errorf("print-config %q, want json", o.printConfig)
			}
		}},
		{"an empty file sets nothing", "c.yaml", "# nothing yet\n", nil, func(t *testing.T, o *trainOptions) {
			if want := wantDefaults(t, models.MLP); !sameConfig(o.cfg, want) {
				t.Errorf("config %+v, want the defaults", o.cfg)
			}
		}},
		{"flag names with their dashes", "c.yaml", "--epochs: 4\n", nil, func(t *testing.T, o *trainOptions) {
			if o.cfg.Epochs != 4 {
				t.Errorf("epochs %d, want 4", o.cfg.Epochs)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, tt.file, tt.text)
			o, err := parseTrain(append([]string{"--config", path}, tt.args...), testEnv(io.Discard))
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, o)
		})
	}
}

func TestTrainConfigFileErrors(t *testing.T) {
	tests := []struct {
		name, file, text string
		want             []string // in the one usage line, after FILE
	}{
		{"an unknown key, with the flag meant", "c.yaml", "epochs: 2\nbatch_size: 64\n", []string{":2: unknown key \"batch_size\" (did you mean batch-size?)"}},
		{"an unknown key far from any flag", "c.yaml", "colour: blue\n", []string{":1: unknown key \"colour\";", "train's flags"}},
		{"a bad value names key and line", "c.yaml", "seed: 1\nbatch-size: many\n", []string{":2: batch-size: \"many\": want an integer"}},
		{"a bad boolean", "c.yaml", "drop-last: maybe\n", []string{":1: drop-last: \"maybe\": want true or false"}},
		{"a value out of range names the line that set it", "c.yaml", "\nlr: 0\n", []string{"--lr 0 (must be a number > 0) (set by ", "c.yaml:2)"}},
		{"a mapping as a value", "c.yaml", "model:\n  name: mlp\n", []string{":1: model: want a value", "not a mapping"}},
		{"a list of mappings", "c.yaml", "hidden:\n  - a: 1\n", []string{":1: hidden: a list holds numbers or words, not a mapping"}},
		{"a key set twice", "c.yaml", "epochs: 2\nepochs: 3\n", []string{":2: ", `"epochs" already defined`}},
		{"a list at the top", "c.yaml", "- epochs\n- 2\n", []string{":1: want flag names and values"}},
		{"two documents", "c.yaml", "epochs: 2\n---\nepochs: 3\n", []string{":3: a second document"}},
		{"a config file naming another", "c.yaml", "config: other.yaml\n", []string{":1: config cannot be set in a config file"}},
		{"the old spelling of a flag", "c.yaml", "no-restore-best: true\n", []string{":1: unknown key \"no-restore-best\""}},
		{"YAML that does not parse", "c.yaml", "epochs: [2\n", []string{"c.yaml:"}},
		{"JSON that does not parse", "c.json", `{"epochs": 2,,}`, []string{"c.json:1:"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, tt.file, tt.text)
			code, stdout, stderr := cliRun("train", "--config", path)
			if code != ExitUsage || strings.Count(stderr, "\n") != 1 || stdout != "" {
				t.Errorf("exit code %d, stdout %q, stderr %q; want 2 and one line", code, stdout, stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr %q does not say %q", stderr, w)
				}
			}
		})
	}
	t.Run("a file that does not exist is a usage error", func(t *testing.T) {
		missing := filepath.Join(t.TempDir(), "missing.yaml")
		code, _, stderr := cliRun("train", "--config", missing)
		if code != ExitUsage || !strings.Contains(stderr, "--config "+missing+" does not exist") {
			t.Errorf("exit code %d, stderr %q", code, stderr)
		}
	})
	t.Run("a folder is not a config file", func(t *testing.T) {
		dir := t.TempDir()
		code, _, stderr := cliRun("train", "--config", dir)
		if code != ExitUsage || !strings.Contains(stderr, "--config "+dir+" is not a regular file") {
			t.Errorf("exit code %d, stderr %q", code, stderr)
		}
	})
	t.Run("--print-config with --resume", func(t *testing.T) {
		_, err := parseTrain([]string{"--print-config", "--resume", "runs/x"}, testEnv(io.Discard))
		if ue := (usageError{}); !errors.As(err, &ue) || !strings.Contains(err.Error(), "checkpoints inspect runs/x") {
			t.Errorf("error %v, want a usage error pointing to checkpoints inspect", err)
		}
	})
	t.Run("--print-config json, its value as a word", func(t *testing.T) {
		code, _, stderr := cliRun("train", "--print-config", "json")
		if code != ExitUsage || !strings.Contains(stderr, "write --print-config=json") {
			t.Errorf("exit code %d, stderr %q", code, stderr)
		}
	})
	t.Run("an unknown format", func(t *testing.T) {
		code, _, stderr := cliRun("train", "--print-config=toml")
		if code != ExitUsage || !strings.Contains(stderr, "--print-config=toml (accepted: yaml, json)") {
			t.Errorf("exit code %d, stderr %q", code, stderr)
		}
	})
}

// TestPrintConfigRoundTrips: what --print-config prints, read back with
// --config, is the same configuration, in YAML and in JSON.
func TestPrintConfigRoundTrips(t *testing.T) {
	for _, args := range [][]string{
		nil,
		{"--model", "perceptron"},
		{"--model", "perceptron", "--batch-size", "1", "--restore-best=false", "--tol", "0"},
		{"--hidden", "", "--loss", "mse", "--optimizer", "sgd", "--momentum", "0.9", "--lr", "0.05"},
		{"--hidden", "64,32,16", "--activation", "maxout", "--maxout-pieces", "3", "--optimizer", "adamw", "--weight-decay", "0.02"},
		{"--epochs", "2", "--val-split", "0", "--loop", "unroll", "--steps-per-call", "4", "--save-every", "10", "--keep-best=false",
			"--classes", "a,b,c,d,e,f,g,h,i,j", "--data-dir", "/data", "--backend", "go", "--download=false", "--run-dir", "runs/x"},
	} {
		for _, format := range []string{"yaml", "json"} {
			t.Run(format+" "+strings.Join(args, " "), func(t *testing.T) {
				var out strings.Builder
				code := Main(append([]string{"train", "--print-config=" + format}, args...), &out, io.Discard)
				if code != ExitOK {
					t.Fatalf("exit code %d", code)
				}
				if format == "json" && !json.Valid([]byte(out.String())) {
					t.Fatalf("not JSON:\n%s", out.String())
				}
				want, err := parseTrain(args, testEnv(io.Discard))
				if err != nil {
					t.Fatal(err)
				}
				path := writeFile(t, "c."+format, out.String())
				got, err := parseTrain([]string{"--config", path}, testEnv(io.Discard))
				if err != nil {
					t.Fatalf("%v reading back\n%s", err, out.String())
				}
				if !sameConfig(got.cfg, want.cfg) || got.data.DataDir != want.data.DataDir || got.data.Download != want.data.Download ||
					got.classes != want.classes || got.onDevice != want.onDevice {
					t.Errorf("read back\n%+v\nwant\n%+v\nfrom\n%s", got.cfg, want.cfg, out.String())
				}
			})
		}
	}
}

// TestTrainWritesItsConfig: a run folder holds config.yaml, and training
// with it trains the same run again.
func TestTrainWritesItsConfig(t *testing.T) {
	dataDir := fakeMNIST(t)
	first := filepath.Join(t.TempDir(), "first")
	code, _, stderr := cliRun("train", "--model", "perceptron", "--epochs", "2", "--batch-size", "64", "--seed", "3",
		"--run-dir", first, "--data-dir", dataDir, "--backend", backend.Go, "--progress", "never")
	if code != ExitOK {
		t.Fatalf("train: exit code %d, %s", code, stderr)
	}
	saved, err := os.ReadFile(filepath.Join(first, configFileName))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"model: perceptron\n", "batch-size: 64\n", "seed: 3\n", "epochs: 2\n", "data-dir: " + dataDir + "\n"} {
		if !strings.Contains(string(saved), want) {
			t.Errorf("config.yaml does not say %q:\n%s", want, saved)
		}
	}
	if strings.Contains(string(saved), "run-dir") {
		t.Errorf("config.yaml names the run folder, which a second run must not reuse:\n%s", saved)
	}
	again := filepath.Join(t.TempDir(), "again")
	code, _, stderr = cliRun("train", "--config", filepath.Join(first, configFileName), "--run-dir", again)
	if code != ExitOK {
		t.Fatalf("train --config: exit code %d, %s", code, stderr)
	}
	a, b := readSummary(t, first), readSummary(t, again)
	if !sameConfig(a.Hyperparameters, b.Hyperparameters) || *a.TestAccuracy != *b.TestAccuracy || a.GlobalStep != b.GlobalStep {
		t.Errorf("the run again: %+v, test accuracy %g; the first %+v, %g", b.Hyperparameters, *b.TestAccuracy, a.Hyperparameters, *a.TestAccuracy)
	}
}

func readSummary(t *testing.T, runDir string) runfolder.Summary {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(runDir, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	var s runfolder.Summary
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// FuzzParseConfig: the config parser never panics on any input, and what
// it accepts reads back the same once written out (as a list when it
// holds commas, as --hidden 512,512 does).
func FuzzParseConfig(f *testing.F) {
	for _, seed := range []string{
		"batch-size: 64\n", "hidden: [512, 512]\nlr: 1e-3\n", `{"epochs": 2, "hidden": [8]}`, "hidden:\n  - 1\n  - 2\n",
		"model: perceptron\n# a comment\nrestore-best: false\n", "a: b\na: c\n", "- 1\n", "x: {y: 1}\n", "k: &a 1\nl: *a\n",
		"k: !!str 7\n", "k: |\n  text\n", "epochs: [2\n", "---\n...\n", "k: null\n", "k: ~\n", "\"k\": \"v\"\n", "k: .inf\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		entries, err := parseConfig("f.yaml", b)
		if err != nil {
			var ue usageError
			if !errors.As(err, &ue) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error %q is not one usage line", err)
			}
			return
		}
		var items []configItem
		for _, en := range entries {
			var v any = en.value
			if strings.Contains(en.value, ",") {
				v = strings.Split(en.value, ",")
			}
			items = append(items, configItem{en.key, v})
		}
		for _, format := range []string{"yaml", "json"} {
			var out strings.Builder
			if err := writeConfig(&out, format, items); err != nil {
				t.Fatalf("write %v as %s: %v", items, format, err)
			}
			again, err := parseConfig("f."+format, []byte(out.String()))
			if err != nil {
				t.Fatalf("%v reading back %q (from %q)", err, out.String(), b)
			}
			if len(again) != len(entries) {
				t.Fatalf("%d entries read back, %d written:\n%s", len(again), len(entries), out.String())
			}
			for i := range entries {
				if again[i].key != entries[i].key || again[i].value != entries[i].value {
					t.Fatalf("entry %d read back as %q: %q, written %q: %q\n%s", i, again[i].key, again[i].value, entries[i].key, entries[i].value, out.String())
				}
			}
		}
		// Applied to train's flags, it is a configuration or a usage error.
		_, err = parseTrain([]string{"--config", writeFile(t, "f.yaml", string(b)), "--print-config"}, testEnv(io.Discard))
		var ue usageError
		if err != nil && !errors.As(err, &ue) {
			t.Fatalf("train --config: %v, not a usage error", err)
		}
	})
}
