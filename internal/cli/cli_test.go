package cli_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/neurona/neurona/data"
	"github.com/neurona/neurona/internal/cli"
)

// run calls cli.Main and returns its exit code, stdout and stderr.
func run(args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = cli.Main(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// stackText is what a panic or a stack trace leaves in output.
var stackText = regexp.MustCompile(`goroutine \d|panic|\.go:\d`)

func TestMainRejectsBadUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want []string // in the stderr line: what is wrong and what is accepted
		// usageOnStdout is set where the command prints its usage too.
		usageOnStdout bool
	}{
		{"an unknown command", []string{"frobnicate"}, []string{`"frobnicate"`, "accepted: train, eval, predict, checkpoints"}, false},
		{"an unknown model", []string{"train", "--model", "foo"}, []string{`"foo"`, "accepted: perceptron, mlp"}, false},
		{"an unknown activation", []string{"train", "--activation", "bogus"}, []string{`"bogus"`, "accepted: relu, leaky_relu"}, false},
		{"an unknown loss", []string{"train", "--loss", "bogus"}, []string{`"bogus"`, "accepted: softmax_ce, sigmoid_bce, mse"}, false},
		{"an unknown optimizer", []string{"train", "--optimizer", "bogus"}, []string{`"bogus"`, "accepted: sgd, adam, adamw"}, false},
		{"an unknown schedule", []string{"train", "--schedule", "bogus"}, []string{`"bogus"`, "accepted: constant, cosine"}, false},
		{"a negative learning rate", []string{"train", "--lr", "-1"}, []string{"--lr -1", "> 0"}, false},
		{"a learning rate of zero", []string{"train", "--lr", "0"}, []string{"--lr 0", "> 0"}, false},
		{"a learning rate that is not a number", []string{"train", "--lr", "NaN"}, []string{"--lr NaN", "> 0"}, false},
		{"a learning rate that does not parse", []string{"train", "--lr", "fast"}, []string{`--lr "fast"`, "want a number", "neurona train --help"}, false},
		{"a batch size of zero", []string{"train", "--batch-size", "0"}, []string{"--batch-size 0", "1 to 1048576"}, false},
		{"a hidden list with an empty item and a word", []string{"train", "--hidden", "512,,x"}, []string{`"512,,x"`, "widths of 1 to 1048576 separated by commas"}, false},
		{"hidden layers on the perceptron", []string{"train", "--model", "perceptron", "--hidden", "64"}, []string{"--hidden applies to --model mlp only"}, false},
		{"zero epochs", []string{"train", "--epochs", "0"}, []string{"--epochs 0", ">= 1"}, false},
		{"a validation split above 1", []string{"train", "--val-split", "1.5"}, []string{"--val-split 1.5", "[0, 1)"}, false},
		{"momentum with adam", []string{"train", "--momentum", "0.9", "--optimizer", "adam"}, []string{"--momentum", "--optimizer sgd"}, false},
		{"momentum of one", []string{"train", "--optimizer", "sgd", "--momentum", "1"}, []string{"--momentum 1", "[0, 1)"}, false},
		{"one maxout piece", []string{"train", "--activation", "maxout", "--maxout-pieces", "1"}, []string{"--maxout-pieces 1", "2 to 64"}, false},
		{"a data folder that does not exist", []string{"train", "--data-dir", "/nonexistent/folder"}, []string{"--data-dir", "/nonexistent/folder"}, false},
		{"an unknown progress mode", []string{"train", "--progress", "sometimes"}, []string{`"sometimes"`, "accepted: auto, always, never"}, false},
		{"an unknown flag", []string{"train", "--bogus-flag"}, []string{"unknown flag: --bogus-flag", "neurona train --help"}, false},
		{"an unknown flag close to one is suggested", []string{"train", "--batch_size", "64"}, []string{"unknown flag: --batch_size (did you mean --batch-size?)"}, false},
		{"a misspelled flag is suggested", []string{"train", "--learning-rat", "1"}, []string{"unknown flag: --learning-rat"}, false},
		{"a flag cut short is suggested", []string{"train", "--epoch", "3"}, []string{"(did you mean --epochs?)"}, false},
		{"a long flag with one dash", []string{"train", "-lr", "0.1"}, []string{"-lr: long flags take two dashes: --lr"}, false},
		{"a boolean followed by false", []string{"train", "--keep-best", "false"}, []string{"--keep-best false", "write --keep-best=false"}, false},
		{"a boolean followed by true", []string{"checkpoints", "prune", "runs/x", "--keep-best", "true"}, []string{"write --keep-best=true"}, false},
		{"the old and new spellings of one boolean", []string{"train", "--restore-best", "--no-restore-best"}, []string{"--restore-best and --no-restore-best", "give one"}, false},
		{"a flag without its value", []string{"train", "--epochs"}, []string{"--epochs needs a value"}, false},
		{"an extra argument to models", []string{"models", "extra"}, []string{`unexpected argument "extra"`, "only flags"}, false},
		{"a misspelled command is suggested", []string{"trian"}, []string{`unknown command "trian"`, "did you mean train?"}, false},
		{"checkpoints without a subcommand names them", []string{"checkpoints"}, []string{"missing subcommand", "accepted: list, inspect, verify, prune"}, false},
		{"backends with an unknown argument", []string{"backends", "frobnicate"}, []string{`"frobnicate"`, "backends install NAME"}, false},
		{"plot without a picture", []string{"plot"}, []string{"missing picture", "accepted: activations"}, false},
		{"completion of an unknown shell", []string{"completion", "tcsh"}, []string{`unknown shell "tcsh"`, "bash, zsh"}, false},
		{"completion without a shell", []string{"completion"}, []string{"missing the shell", "bash, zsh"}, false},
		{"an argument that is not a flag", []string{"train", "mlp"}, []string{`"mlp"`, "only flags"}, false},
		{"data without a subcommand", []string{"data"}, []string{"missing subcommand", "accepted: info, verify, fetch, show"}, false},
		{"an unknown data subcommand", []string{"data", "frobnicate"}, []string{`"frobnicate"`, "accepted: info, verify, fetch"}, false},
		{"an unknown flag of data info", []string{"data", "info", "--bogus"}, []string{"--bogus", "neurona data info --help"}, false},
		{"an unknown flag of models", []string{"models", "--bogus"}, []string{"--bogus", "neurona models --help"}, false},
		{"installing an unknown backend", []string{"backends", "install", "xla:tpu"}, []string{"name one backend", "accepted: xla:cpu, xla:cuda"}, false},
		{"installing nothing", []string{"backends", "install"}, []string{"name one backend", "accepted: xla:cpu, xla:cuda"}, false},
		{"serving a folder that does not exist", []string{"serve", "/nonexistent/runs"}, []string{"runs folder /nonexistent/runs does not exist"}, false},
		{"serving on an address without a port", []string{"serve", ".", "--addr", "localhost"}, []string{`"localhost"`, "host:port"}, false},
		{"help for an unknown command", []string{"help", "frobnicate"}, []string{`"frobnicate"`, "accepted: train"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := run(tt.args...)
			if code != cli.ExitUsage {
				t.Errorf("exit code %d, want %d", code, cli.ExitUsage)
			}
			if lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n"); len(lines) != 1 || !strings.HasSuffix(stderr, "\n") {
				t.Fatalf("stderr is %d lines, want exactly one:\n%s", len(lines), stderr)
			}
			if !strings.HasPrefix(stderr, "neurona") {
				t.Errorf("stderr %q does not start with the program name", stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr %q does not mention %q", stderr, w)
				}
			}
			if stackText.MatchString(stderr) || stackText.MatchString(stdout) {
				t.Errorf("output carries stack text:\nstdout: %s\nstderr: %s", stdout, stderr)
			}
			if tt.usageOnStdout != (stdout != "") {
				t.Errorf("stdout %q; want usage on it: %t", stdout, tt.usageOnStdout)
			}
		})
	}
}

func TestMainHelp(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want []string // on stdout
	}{
		{"no arguments print the commands", nil, []string{"Usage: neurona <command>", "train", "backends", "models", "data", "version"}},
		{"help prints the commands", []string{"help"}, []string{"Usage: neurona <command>", "train", "data"}},
		{"--help prints the commands", []string{"--help"}, []string{"Usage: neurona <command>"}},
		{"train --help shows --lr with the defaults of both models", []string{"train", "--help"},
			[]string{"Usage: neurona train", "--lr float", "learning rate (default 0.006; perceptron: 1)", "--batch-size int", "perceptron: sgd"}},
		{"train -h is train --help", []string{"train", "-h"}, []string{"Usage: neurona train", "--lr float"}},
		{"help train is train --help", []string{"help", "train"}, []string{"Usage: neurona train", "--lr float"}},
		{"help checkpoints prune is its --help", []string{"help", "checkpoints", "prune"}, []string{"Usage: neurona checkpoints prune", "--keep-last int"}},
		{"checkpoints help prune is its --help", []string{"checkpoints", "help", "prune"}, []string{"Usage: neurona checkpoints prune", "--keep-last int"}},
		{"data --help lists the subcommands", []string{"data", "--help"}, []string{"info", "verify", "fetch"}},
		{"data info --help shows its flags", []string{"data", "info", "--help"}, []string{"--data-dir", "--cache-dir"}},
		{"models --help", []string{"models", "--help"}, []string{"Usage: neurona models"}},
		{"bench --help names its batch sizes --batch-size and --json a switch", []string{"bench", "--help"},
			[]string{"--batch-size string", "--json   ", "--json-out string"}},
		{"serve --help shows the address and its warning", []string{"serve", "--help"}, []string{"Usage: neurona serve [DIR]", "--addr string", "127.0.0.1:8080", "visible to that network"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := run(tt.args...)
			if code != cli.ExitOK {
				t.Errorf("exit code %d, want 0; stderr %s", code, stderr)
			}
			if stderr != "" {
				t.Errorf("stderr %q, want nothing", stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(stdout, w) {
					t.Errorf("stdout does not mention %q:\n%s", w, stdout)
				}
			}
			if n := strings.Count(stdout, "Usage:"); n != 1 {
				t.Errorf("stdout holds the usage %d times, want once:\n%s", n, stdout)
			}
		})
	}
}

// TestTrainHelpDefaults checks what train --help says about defaults that
// depend on the model: the flag package's own "(default ...)" must not show
// internal sentinels or turn a back-quoted word into the argument name.
func TestTrainHelpDefaults(t *testing.T) {
	_, stdout, _ := run("train", "--help")
	for _, bad := range []string{"(default -1)", "-backend neurona"} {
		if strings.Contains(stdout, bad) {
			t.Errorf("train --help says %q:\n%s", bad, stdout)
		}
	}
	for _, want := range []string{
		"-backend string",
		"-tol float",
		"perceptron: 0.001",
		"-n-iter-no-change int",
		"perceptron: 5",
		"-epochs int",
		"perceptron: 2",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("train --help does not say %q", want)
		}
	}
}

func TestMainModels(t *testing.T) {
	code, stdout, stderr := run("models")
	if code != cli.ExitOK || stderr != "" {
		t.Fatalf("exit code %d, stderr %q", code, stderr)
	}
	for _, want := range []string{
		"perceptron 784-10", "[10 784]", "7850",
		"mlp 784-512-512-10 relu softmax_ce", "669706",
		"relu, leaky_relu, sigmoid, tanh, linear, maxout",
		"sgd, adam, adamw", "constant, cosine",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("models output does not mention %q:\n%s", want, stdout)
		}
	}
}

func TestMainBackends(t *testing.T) {
	code, stdout, stderr := run("backends")
	if code != cli.ExitOK || stderr != "" {
		t.Fatalf("exit code %d, stderr %q", code, stderr)
	}
	if !regexp.MustCompile(`(?m)^go( \(default\))?\s+yes\s`).MatchString(stdout) {
		t.Errorf("backends does not list go as available:\n%s", stdout)
	}
	code, stdout, _ = run("backends", "--json")
	if code != cli.ExitOK || !strings.HasPrefix(stdout, "[") || !strings.Contains(stdout, `"go"`) {
		t.Errorf("backends --json: exit code %d, output %s", code, stdout)
	}
}

func TestMainVersion(t *testing.T) {
	code, stdout, stderr := run("version")
	if code != cli.ExitOK || stderr != "" {
		t.Fatalf("exit code %d, stderr %q", code, stderr)
	}
	if !strings.HasPrefix(stdout, "neurona ") || !strings.Contains(stdout, "GoMLX") || strings.Count(stdout, "\n") != 1 {
		t.Errorf("version printed %q, want one line naming neurona and GoMLX", stdout)
	}
}

func TestMainDataInfo(t *testing.T) {
	t.Run("the small test files", func(t *testing.T) {
		dir := filepath.Join("..", "..", "data", "testdata", "mini")
		code, stdout, stderr := run("data", "info", "--data-dir", dir)
		if code != cli.ExitOK || stderr != "" {
			t.Fatalf("exit code %d, stderr %q", code, stderr)
		}
		for _, want := range []string{"source  --data-dir", "3 images of 2x2", "2 images of 2x2"} {
			if !strings.Contains(stdout, want) {
				t.Errorf("data info does not say %q:\n%s", want, stdout)
			}
		}
	})
	t.Run("a missing folder is a usage error naming it", func(t *testing.T) {
		missing := filepath.Join(t.TempDir(), "missing")
		code, _, stderr := run("data", "info", "--data-dir", missing)
		if code == cli.ExitOK || !strings.Contains(stderr, missing) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("exit code %d, stderr %q; want a failure naming %s in one line", code, stderr, missing)
		}
	})
	t.Run("MNIST from the Go module", func(t *testing.T) {
		if testing.Short() {
			t.Skip("reads all of MNIST (-short)")
		}
		if _, err := data.ModuleDataDir(); err != nil {
			t.Skipf("MNIST is not in the module cache: %v", err)
		}
		t.Setenv(data.EnvDataDir, "") // look in the module, not where the environment points
		code, stdout, stderr := run("data", "info")
		if code != cli.ExitOK || stderr != "" {
			t.Fatalf("exit code %d, stderr %q", code, stderr)
		}
		for _, want := range []string{
			"train   60000 images of 28x28, per digit [5923 6742 5958 6131 5842 5421 5918 6265 5851 5949]",
			"test    10000 images of 28x28, per digit [980 1135 1032 1010 982 892 958 1028 974 1009]",
		} {
			if !strings.Contains(stdout, want) {
				t.Errorf("data info does not say %q:\n%s", want, stdout)
			}
		}
	})
}

func ExampleMain() {
	code := cli.Main([]string{"help"}, os.Stdout, os.Stderr)
	fmt.Println("exit code", code)
	// Output:
	// neurona trains neural networks on MNIST, on the CPU or a GPU.
	//
	// Usage: neurona <command> [flags]
	//
	// Commands:
	//   train        train a model on MNIST or your data and write a run folder (resume one with --resume)
	//   eval         evaluate a trained model on the test set of the data it was trained on
	//   predict      predict the classes of PNG images or of test images
	//   checkpoints  list, inspect, verify or prune a run's checkpoints
	//   report       write a run's report.html: configuration, curves, confusion matrix, mistakes
	//   sweep        train a grid or a random sample of hyperparameters and rank the runs
	//   runs         list the runs below a folder, or compare runs side by side
	//   serve        serve a runs folder as a local web app: live curves, results, a pad to draw digits on
	//   explain      draw what a trained model's first layer looks for, as weight images
	//   plot         draw reference pictures (activations: the activation functions and their derivatives)
	//   export       write a trained model as ONNX (its inference graph) or npz (its weights for NumPy)
	//   data         find, check, download or show MNIST (info, verify, fetch, show)
	//   models       list the models, activations, losses and optimizers
	//   backends     list the compute backends and why any is unavailable; install an XLA plugin
	//   bench        measure training and inference speed per backend and batch size
	//   version      print the version and how the binary was built
	//   completion   print the shell completion script for bash, zsh or fish
	//   help         show a command's flags and defaults
	//
	// Flags:
	//   -h, --help                 help for neurona
	//       --pjrt-plugin string   a CUDA PJRT plugin (.so, or a folder holding one) to use for xla:cuda
	//   -v, --version              version for neurona
	//
	// Run `neurona <command> --help` for a command's flags and defaults.
	// exit code 0
}

// A bad flag value is one line on stderr (here sent to stdout to show it)
// and exit code 2.
func ExampleMain_usageError() {
	code := cli.Main([]string{"train", "--lr", "0"}, os.Stdout, os.Stdout)
	fmt.Println("exit code", code)
	// Output:
	// neurona train: --lr 0 (must be a number > 0)
	// exit code 2
}
