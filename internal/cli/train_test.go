package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train/config"
)

func testEnv(stdout io.Writer) *env {
	return &env{ctx: context.Background(), stdout: stdout, stderr: io.Discard, getenv: func(string) string { return "" }}
}

// wantDefaults is config.Defaults(name) with its model spec normalized: what
// parseTrain must give when only --model is set.
func wantDefaults(t *testing.T, name string) config.Config {
	t.Helper()
	c := config.Defaults(name)
	if err := c.Validate(); err != nil {
		t.Fatalf("config.Defaults(%q) is invalid: %v", name, err)
	}
	c.Model.Inputs, c.Model.Classes = 0, 0 // sized by the data in train.Run
	return c
}

// onMNIST is the model s describes once train.Run has sized it for
// MNIST: parseTrain leaves its inputs and classes to the data.
func onMNIST(s models.Spec) string {
	s.Inputs, s.Classes = 28*28, 10
	return s.String()
}

// sameConfig compares two configs; a nil hidden list (the default layers)
// differs from an empty one (none).
func sameConfig(a, b config.Config) bool { return reflect.DeepEqual(a, b) }

func TestParseTrainDefaults(t *testing.T) {
	t.Run("--model perceptron alone gives the averaged perceptron rule, and scikit-learn's stopping for longer runs", func(t *testing.T) {
		o, err := parseTrain([]string{"--model", "perceptron"}, testEnv(io.Discard))
		if err != nil {
			t.Fatal(err)
		}
		c := o.cfg
		if c.Optimizer != "sgd" || c.LR != 1 || c.Momentum != 0 || c.Schedule != "constant" || !c.Average || c.Epochs != 2 || c.Tol != 1e-3 || c.NoChange != 5 {
			t.Errorf("perceptron config %+v, want sgd, lr 1, no momentum, constant, averaged, 2 epochs, tol 1e-3, n-iter-no-change 5", c)
		}
		if got := onMNIST(c.Model); got != "perceptron 784-10" {
			t.Errorf("model %q, want perceptron 784-10", got)
		}
		if c.Model.Inputs != 0 || c.Model.Classes != 0 {
			t.Errorf("model has %d inputs and %d classes before any data is read, want 0 and 0 (from the data)", c.Model.Inputs, c.Model.Classes)
		}
		// The rest (batch size, steps per call, restore-best) are the
		// model's defaults, whatever they are tuned to.
		if want := wantDefaults(t, models.Perceptron); !sameConfig(c, want) {
			t.Errorf("config\n%+v\nwant config.Defaults\n%+v", c, want)
		}
	})
	for _, args := range [][]string{nil, {"--model", "mlp"}} {
		t.Run("no flags or --model mlp give Adam at 6e-3 warmed up, a cosine schedule over 4 epochs, batch 512: "+strings.Join(args, " "), func(t *testing.T) {
			o, err := parseTrain(args, testEnv(io.Discard))
			if err != nil {
				t.Fatal(err)
			}
			c := o.cfg
			if c.Optimizer != "adam" || c.LR != 6e-3 || c.Warmup != 0.5 || c.BatchSize != 512 || c.Epochs != 4 || c.Schedule != "cosine" || c.Tol != 0 || c.NoChange != 0 {
				t.Errorf("mlp config %+v, want adam, lr 6e-3, warm-up 0.5, batch 512, 4 epochs, cosine, no tol", c)
			}
			if got := onMNIST(c.Model); got != "mlp 784-512-512-10 relu softmax_ce" {
				t.Errorf("model %q, want mlp 784-512-512-10 relu softmax_ce", got)
			}
			if c.Seed != 1 || c.ValSplit != 0.1 || c.Progress || c.Backend != "" || c.RunDir != "" {
				t.Errorf("seed %d, val split %g, progress %t, backend %q, run dir %q; want 1, 0.1, false, none, none",
					c.Seed, c.ValSplit, c.Progress, c.Backend, c.RunDir)
			}
			if want := wantDefaults(t, models.MLP); !sameConfig(c, want) {
				t.Errorf("config\n%+v\nwant config.Defaults\n%+v", c, want)
			}
			if !o.data.Download || o.data.DataDir != "" || o.data.Getenv == nil || o.data.Logf == nil {
				t.Errorf("data options %+v, want downloads on, no folder, getenv and logf set", o.data)
			}
		})
	}
}

func TestParseTrainFlags(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		check func(t *testing.T, o *trainOptions)
	}{
		{"explicit flags override the perceptron's defaults",
			[]string{"--model", "perceptron", "--optimizer", "adam", "--lr", "0.5", "--batch-size", "1", "--epochs", "3",
				"--schedule", "cosine", "--tol", "0", "--n-iter-no-change", "2", "--no-restore-best", "--steps-per-call", "4",
				"--seed", "7", "--val-split", "0", "--drop-last", "--weight-decay", "0.1", "--patience", "0"},
			func(t *testing.T, o *trainOptions) {
				c := o.cfg
				want := config.Config{Model: c.Model, Optimizer: "adam", LR: 0.5, WeightDecay: 0.1, Schedule: "cosine", BatchSize: 1, Epochs: 3,
					Seed: 7, ValSplit: 0, StepsPerCall: 4, DropLast: true, Tol: 0, NoChange: 2, RestoreBest: false,
					SaveEveryEpoch: true, KeepLast: 3, KeepBest: true, Average: true,
					EarlyStopMonitor: config.MonitorValAccuracy, LogEvery: config.LogEveryAuto, Precision: config.PrecisionF32} // defaults the flags leave alone
				if !sameConfig(c, want) {
					t.Errorf("config\n%+v\nwant\n%+v", c, want)
				}
			}},
		{"explicit flags override the MLP's defaults",
			[]string{"--hidden", "64,32", "--activation", "tanh", "--loss", "mse", "--optimizer", "sgd", "--momentum", "0.9",
				"--lr", "0.1", "--batch-size", "16", "--epochs", "2", "--schedule", "constant", "--patience", "3", "--restore-best",
				"--tol", "0.01", "--n-iter-no-change", "4", "--val-split", "0.2"},
			func(t *testing.T, o *trainOptions) {
				c := o.cfg
				if got := onMNIST(c.Model); got != "mlp 784-64-32-10 tanh mse" {
					t.Errorf("model %q, want mlp 784-64-32-10 tanh mse", got)
				}
				if c.Optimizer != "sgd" || c.Momentum != 0.9 || c.LR != 0.1 || c.BatchSize != 16 || c.Epochs != 2 || c.Schedule != "constant" ||
					c.Patience != 3 || !c.RestoreBest || c.Tol != 0.01 || c.NoChange != 4 || c.ValSplit != 0.2 {
					t.Errorf("config %+v does not hold the flags given", c)
				}
			}},
		{"early stopping and step logging flags reach the configuration",
			[]string{"--patience", "2", "--early-stop-monitor", "val-loss", "--early-stop-min-delta", "0.01", "--log-every", "7"},
			func(t *testing.T, o *trainOptions) {
				c := o.cfg
				if c.Patience != 2 || c.EarlyStopMonitor != config.MonitorValLoss || c.EarlyStopMinDelta != 0.01 || c.LogEvery != 7 {
					t.Errorf("patience %d, monitor %q, min-delta %g, log every %d; want 2, val-loss, 0.01, 7",
						c.Patience, c.EarlyStopMonitor, c.EarlyStopMinDelta, c.LogEvery)
				}
			}},
		{"the perceptron without a validation split tests its last epoch",
			[]string{"--model", "perceptron", "--val-split", "0"},
			func(t *testing.T, o *trainOptions) {
				if o.cfg.RestoreBest {
					t.Error("restore-best stayed on with nothing to choose the best epoch by")
				}
			}},
		{`--hidden "" gives no hidden layer`, []string{"--hidden", ""},
			func(t *testing.T, o *trainOptions) {
				if h := o.cfg.Model.Hidden; h == nil || len(h) != 0 {
					t.Errorf("hidden %#v, want an empty, non-nil list", h)
				}
				if got := onMNIST(o.cfg.Model); got != "mlp 784-10 softmax_ce" {
					t.Errorf("model %q, want mlp 784-10 softmax_ce", got)
				}
			}},
		{`--model perceptron --hidden "" is accepted`, []string{"--model", "perceptron", "--hidden", ""},
			func(t *testing.T, o *trainOptions) {
				if got := onMNIST(o.cfg.Model); got != "perceptron 784-10" {
					t.Errorf("model %q", got)
				}
			}},
		{"maxout takes two pieces by default", []string{"--activation", "maxout"},
			func(t *testing.T, o *trainOptions) {
				if got := onMNIST(o.cfg.Model); got != "mlp 784-512-512-10 maxout(2 pieces) softmax_ce" {
					t.Errorf("model %q", got)
				}
			}},
		{"--maxout-pieces sets the pieces", []string{"--activation", "maxout", "--maxout-pieces", "3"},
			func(t *testing.T, o *trainOptions) {
				if p := o.cfg.Model.MaxoutPieces; p != 3 {
					t.Errorf("maxout pieces %d, want 3", p)
				}
			}},
		{"--no-restore-best turns the perceptron's restore-best off", []string{"--model", "perceptron", "--no-restore-best"},
			func(t *testing.T, o *trainOptions) {
				if o.cfg.RestoreBest {
					t.Error("RestoreBest is still on")
				}
			}},
		{"--average trains the averaged perceptron", []string{"--model", "perceptron", "--average"},
			func(t *testing.T, o *trainOptions) {
				if !o.cfg.Average {
					t.Error("Average is off")
				}
			}},
		{"--average=false keeps Rosenblatt's last weights", []string{"--model", "perceptron", "--average=false"},
			func(t *testing.T, o *trainOptions) {
				if o.cfg.Average {
					t.Error("Average is on")
				}
			}},
		{"--progress always", []string{"--progress", "always"},
			func(t *testing.T, o *trainOptions) {
				if !o.cfg.Progress {
					t.Error("--progress always gave no progress bar")
				}
			}},
		{"--progress never", []string{"--progress", "never"},
			func(t *testing.T, o *trainOptions) {
				if o.cfg.Progress {
					t.Error("--progress never gave a progress bar")
				}
			}},
		{"--backend, --run-dir, --data-dir and --download pass through",
			[]string{"--backend", "go", "--run-dir", "runs/x", "--data-dir", "/data/mnist", "--download=false"},
			func(t *testing.T, o *trainOptions) {
				if o.cfg.Backend != "go" || o.cfg.RunDir != "runs/x" || o.data.DataDir != "/data/mnist" || o.data.Download {
					t.Errorf("backend %q, run dir %q, data %+v", o.cfg.Backend, o.cfg.RunDir, o.data)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := parseTrain(tt.args, testEnv(io.Discard))
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, o)
		})
	}
}

func TestParseTrainErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"the perceptron with the MLP's activation, refused as --hidden is", []string{"--model", "perceptron", "--activation", "tanh"},
			"--activation applies to --model mlp only"},
		{"the perceptron with an MLP loss", []string{"--model", "perceptron", "--loss", "mse"}, "--loss applies to --model mlp only"},
		{"restore-best asked for without a validation split",
			[]string{"--model", "perceptron", "--val-split", "0", "--restore-best"}, "--restore-best needs a validation split (val-split > 0)"},
		{"weight decay with sgd", []string{"--optimizer", "sgd", "--weight-decay", "0.1"}, "adam and adamw only"},
		{"a negative weight decay", []string{"--weight-decay", "-1"}, "--weight-decay -1"},
		{"negative steps per call", []string{"--steps-per-call", "-2"}, "--steps-per-call -2"},
		{"an unknown loop", []string{"--loop", "scan"}, `--loop "scan" (accepted: while, unroll)`},
		{"a negative patience", []string{"--patience", "-1"}, "--patience -1"},
		{"a negative tolerance", []string{"--tol", "-0.5"}, "--tol -0.5"},
		{"an unknown early-stopping monitor", []string{"--early-stop-monitor", "loss"}, `--early-stop-monitor "loss" (accepted: val-accuracy, val-loss)`},
		{"a negative min-delta", []string{"--early-stop-min-delta", "-0.1"}, "--early-stop-min-delta -0.1"},
		{"a log interval under -1", []string{"--log-every", "-2"}, "--log-every -2"},
		{"a hidden width of zero", []string{"--hidden", "0"}, `"0" is not a layer width`},
		{"--average for the mlp", []string{"--average"}, "--average applies to --model perceptron"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := parseTrain(tt.args, testEnv(io.Discard))
			var ue usageError
			if !errors.As(err, &ue) {
				t.Fatalf("parseTrain = %+v, %v; want a usage error", o, err)
			}
			if !strings.Contains(ue.msg, tt.want) {
				t.Errorf("error %q does not mention %q", ue.msg, tt.want)
			}
			for _, sentinel := range []error{models.ErrSpec, config.ErrConfig} {
				if strings.Contains(ue.msg, sentinel.Error()) {
					t.Errorf("error %q still carries %q", ue.msg, sentinel)
				}
			}
		})
	}
	t.Run("--help asks for help and prints the flags once", func(t *testing.T) {
		var out bytes.Buffer
		_, err := parseTrain([]string{"--help"}, testEnv(&out))
		if !errors.Is(err, flag.ErrHelp) {
			t.Fatalf("error %v, want flag.ErrHelp", err)
		}
		if n := strings.Count(out.String(), "Usage: neurona train"); n != 1 {
			t.Errorf("usage printed %d times:\n%s", n, out.String())
		}
	})
}
