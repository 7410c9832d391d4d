package train

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train/config"
)

// TestCheckMemory checks the estimate against machines of given sizes: the
// defaults fit a small machine, what the issue tried does not, and the
// refusal names the estimate and the machine's memory in one line.
func TestCheckMemory(t *testing.T) {
	valid := func(mutate func(*config.Config)) config.Config {
		c := config.Defaults(models.MLP)
		mutate(&c)
		if err := c.Validate(); err != nil {
			t.Fatal(err)
		}
		return c
	}
	const gigabyte = 1e9
	tests := []struct {
		name    string
		cfg     config.Config
		host    float64 // bytes; 0: unknown
		wantErr bool
	}{
		{"the mlp defaults fit in 1 GB", valid(func(*config.Config) {}), 1 * gigabyte, false},
		{"the perceptron defaults fit in 1 GB", func() config.Config {
			c := config.Defaults(models.Perceptron)
			if err := c.Validate(); err != nil {
				t.Fatal(err)
			}
			return c
		}(), 1 * gigabyte, false},
		{"two layers of a million units do not fit in 1 TB", valid(func(c *config.Config) { c.Model.Hidden = []int{1_000_000, 1_000_000} }), 1000 * gigabyte, true},
		{"64 layers of 2^20 units do not fit in 1 PB", valid(func(c *config.Config) { c.Model.Hidden = make([]int, 64); fill(c.Model.Hidden, models.MaxWidth) }), 1e6 * gigabyte, true},
		{"the largest batch of a wide model does not fit in 64 GB", valid(func(c *config.Config) {
			c.Model.Hidden, c.BatchSize = []int{100_000, 100_000}, config.MaxBatchSize
		}), 64 * gigabyte, true},
		{"an unknown machine memory checks nothing", valid(func(c *config.Config) { c.Model.Hidden = []int{1_000_000, 1_000_000} }), 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkMemory(tt.cfg, tt.host)
			if !tt.wantErr {
				if err != nil {
					t.Fatalf("checkMemory: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrMemory) {
				t.Fatalf("checkMemory error %v, want one wrapping ErrMemory", err)
			}
			msg := err.Error()
			for _, want := range []string{"needs about", "GB", gb(tt.host), "of memory"} {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q does not mention %q", msg, want)
				}
			}
			if strings.Contains(msg, "--") {
				t.Errorf("error %q names a flag: the command line adds its advice", msg)
			}
			if strings.Contains(msg, "\n") || len(msg) > 400 {
				t.Errorf("error is not one short line (%d bytes): %q", len(msg), msg)
			}
		})
	}
}

// TestEstimateMemory checks the parts of the estimate: Adam keeps two
// moments per weight, SGD none, the activations grow with the batch, and
// two layers of a million units come to terabytes of state.
func TestEstimateMemory(t *testing.T) {
	base := config.Defaults(models.MLP)
	base.Model.Hidden = []int{1000, 1000}
	if err := base.Validate(); err != nil {
		t.Fatal(err)
	}
	params := float64(784*1000 + 1000 + 1000*1000 + 1000 + 1000*10 + 10)
	adam := EstimateMemory(base)
	if adam.Parameters != params {
		t.Errorf("%v parameters, want %v", adam.Parameters, params)
	}
	sgd := base
	sgd.Optimizer, sgd.WeightDecay = "sgd", 0
	// Adam: weights, gradients, 2 moments, and weights and moments again in
	// a checkpoint being saved: 7 copies. SGD: weights, gradients, weights
	// being saved: 3.
	if got, want := adam.State, 7*4*params; got != want {
		t.Errorf("adam state %v bytes, want %v", got, want)
	}
	if got, want := EstimateMemory(sgd).State, 3*4*params; got != want {
		t.Errorf("sgd state %v bytes, want %v", got, want)
	}
	bf16 := base
	bf16.Precision = config.PrecisionBF16
	// bf16: bfloat16 copies of the weights and their gradients on top of
	// the float32 state; the layers' values half as large.
	if got, want := EstimateMemory(bf16).State, adam.State+2*2*params; got != want {
		t.Errorf("bf16 state %v bytes, want %v", got, want)
	}
	if got, want := EstimateMemory(bf16).Activations, adam.Activations/2; got != want {
		t.Errorf("bf16 activations %v bytes, want %v (half of f32's)", got, want)
	}
	big := base
	big.BatchSize = 100_000
	if EstimateMemory(big).Activations <= 10*adam.Activations {
		t.Errorf("activations of batch 100000 (%v) not far above batch 128's (%v)", EstimateMemory(big).Activations, adam.Activations)
	}
	huge := base
	huge.Model.Hidden = []int{1_000_000, 1_000_000}
	if s := EstimateMemory(huge).State; s < 1e13 {
		t.Errorf("two layers of a million units: state %v bytes, want over 10 TB", s)
	}
}

func fill(xs []int, v int) {
	for i := range xs {
		xs[i] = v
	}
}

// A group's memory grows with its members (each member's state twice,
// its activations, the data once), MaxMembers is the largest group that
// fits, and GroupFits refuses a larger one in a line that says how many.
func TestGroupMemory(t *testing.T) {
	const gigabyte = 1e9
	wide := config.Defaults(models.MLP)
	wide.Model.Hidden = []int{4096, 4096, 4096}
	if err := wide.Validate(); err != nil {
		t.Fatal(err)
	}
	small := config.Defaults(models.MLP)
	if err := small.Validate(); err != nil {
		t.Fatal(err)
	}
	one := EstimateMemory(memberConfig(wide))
	if got, want := EstimateGroupMemory(wide, 8).Total(), one.Data+7*preparedBatches(memberConfig(wide))+8*(2*one.State+one.Activations); got != want {
		t.Errorf("a group of 8: estimate %s, want %s (8 members' state twice, activations and batches, the data set once)", gb(got), gb(want))
	}
	// Each member's pipeline prepares its own batches, and hands one in to
	// every step: a group of large batches holds at least one batch of
	// pixels per member.
	const mnistPixels = 28 * 28 // the defaults size a model by MNIST's
	large := small
	large.BatchSize = 60_000
	for _, n := range []int{2, 8, 64} {
		if got, least := EstimateGroupMemory(large, n).Data, float64(n*large.BatchSize*mnistPixels); got < least {
			t.Errorf("a group of %d members of batch %d: data estimated at %s, less than one batch of pixels per member (%s)",
				n, large.BatchSize, gb(got), gb(least))
		}
	}
	if got := EstimateGroupMemory(wide, 1); got != EstimateMemory(wide) {
		t.Errorf("a group of 1 estimated %+v, a run alone %+v", got, EstimateMemory(wide))
	}
	tests := []struct {
		name string
		cfg  config.Config
		host float64
		want int
	}{
		{"64 default MLPs fit in 24 GB", small, 24 * gigabyte, MaxGroup},
		{"a machine of unknown memory takes the most", wide, 0, MaxGroup},
		{"a model that fits once takes a group of 1", wide, EstimateMemory(wide).Total() + 1, 1},
	}
	// The 4096x3 MLP with Adam: about 0.9 GB a member; 24 GB hold a few dozen, not the most.
	n24 := maxMembers(wide, 24*gigabyte)
	tests = append(tests, struct {
		name string
		cfg  config.Config
		host float64
		want int
	}{"the wide MLP in 24 GB takes what fits", wide, 24 * gigabyte, n24})
	if n24 <= 1 || n24 >= MaxGroup {
		t.Errorf("24 GB hold %d members of the 4096x3 MLP, want more than 1 and fewer than %d", n24, MaxGroup)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := maxMembers(tt.cfg, tt.host)
			if n != tt.want {
				t.Fatalf("maxMembers %d, want %d", n, tt.want)
			}
			if tt.host == 0 {
				return
			}
			if err := checkGroupMemory(tt.cfg, n, tt.host); err != nil {
				t.Errorf("the %d members MaxMembers gives are refused: %v", n, err)
			}
			if n == MaxGroup {
				return
			}
			err := checkGroupMemory(tt.cfg, n+1, tt.host)
			if !errors.Is(err, ErrMemory) || !strings.Contains(err.Error(), fmt.Sprintf("a group of %d runs of", n+1)) {
				t.Errorf("a group of %d: %v, want ErrMemory naming the group", n+1, err)
			}
		})
	}
}
