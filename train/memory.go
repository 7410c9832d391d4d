package train

import (
	"errors"
	"fmt"
	"runtime"
	"syscall"

	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train/backend"
	"github.com/neurona/neurona/train/config"
)

// ErrMemory is wrapped by the error of a configuration whose estimated
// memory exceeds the machine's (see CheckMemory).
var ErrMemory = errors.New("train: configuration does not fit in memory")

// mnistExamples is how many images MNIST holds (60,000 train, 10,000 test);
// the estimate counts them before the data is read.
const mnistExamples = 70_000

// MemoryEstimate is the memory a configuration needs, in bytes. The
// arithmetic is in float64, so that no width or batch size can overflow it.
type MemoryEstimate struct {
	Parameters float64 // weights and biases, as a count
	// State is the weights, their gradients, the optimizer's moments (Adam
	// keeps two per weight, SGD with momentum one), the in-memory copy of the
	// best epoch's values for --restore-best and the buffer a checkpoint
	// save serializes them into; in bf16, also the bfloat16 copies of the
	// weights and their gradients a step works on.
	State float64
	// Activations is a training step's layer outputs, kept by the forward
	// pass for the backward pass, and their gradients; or an evaluation
	// batch's forward pass if that is larger.
	Activations float64
	// Data is MNIST on the host, its resident copy on the device with
	// DataOnDevice, and the batches prepared ahead of the calls.
	Data float64
}

// Total is the whole estimate in bytes.
func (m MemoryEstimate) Total() float64 { return m.State + m.Activations + m.Data }

// EstimateMemory estimates what cfg (validated) needs to train, from its
// model's shape, optimizer, batch size and steps per call. It is an
// estimate of the arrays involved, not of a backend's own overhead.
func EstimateMemory(cfg config.Config) MemoryEstimate {
	const f32 = 4.0
	spec := cfg.Model
	if s, err := spec.Normalize(); err == nil {
		spec = s // a model not yet fitted to its data is sized by its defaults (MNIST's shape)
	}
	// The model says its size (Validate checked its spec: the error cannot
	// happen here, and a zero size would only make the estimate smaller).
	size, _ := spec.Size()
	params := size.Params
	perExample := size.Activations // the input and every layer's outputs

	copies := 2.0 // weights and gradients
	switch {
	case cfg.Optimizer == "adam" || cfg.Optimizer == "adamw":
		copies += 2 // first and second moments
	case cfg.Momentum != 0:
		copies++ // velocity
	}
	stateCopies := copies - 1 // what a snapshot or a save holds: all but the gradients
	if cfg.RestoreBest {
		copies += stateCopies
	}
	copies += stateCopies // the checkpoint being written

	// In bf16 the layers' values and their gradients are bfloat16, half
	// as large, and each step adds a bfloat16 copy of the weights and of
	// their gradients.
	value, halfCopies := f32, 0.0
	if cfg.BF16() {
		value, halfCopies = 2, 2
	}
	batch := float64(cfg.BatchSize)
	train := 2 * batch * perExample * value // forward values and their gradients
	eval := float64(EvalBatchSize) * perExample * value
	data := float64(mnistExamples) * (float64(spec.Inputs) + 1) // uint8 images and labels
	if cfg.DataOnDevice {
		data += float64(mnistExamples) * (float64(spec.Inputs) + 4)
	}
	data += preparedBatches(cfg) // two calls' batches prepared ahead
	return MemoryEstimate{
		Parameters:  params,
		State:       copies*params*f32 + halfCopies*params*2,
		Activations: max(train, eval),
		Data:        data,
	}
}

// preparedBatches is the size of the batches cfg's training pipeline
// prepares ahead of its calls: two calls' worth.
func preparedBatches(cfg config.Config) float64 {
	spec := cfg.Model
	if s, err := spec.Normalize(); err == nil {
		spec = s
	}
	return 2 * float64(max(cfg.StepsPerCall, 1)) * float64(cfg.BatchSize) * (float64(spec.Inputs)*4 + 4)
}

// CheckMemory refuses cfg (validated) with a *MemoryError (ErrMemory) when
// its estimated memory exceeds the machine's (MemTotal in /proc/meminfo).
// It is called before anything is allocated, so that a configuration too
// large for the machine fails in one line instead of dying out of memory.
// Where the machine's memory is unknown it checks nothing.
func CheckMemory(cfg config.Config) error {
	return checkMemory(cfg, backend.HostMemoryGB()*1e9)
}

// checkMemory is CheckMemory against a machine of hostBytes (0: unknown).
func checkMemory(cfg config.Config, hostBytes float64) error {
	return checkGroupMemory(cfg, 1, hostBytes)
}

// EstimateGroupMemory estimates what a Group of n members of cfg's shape
// needs: each member's state twice (its own program's variables, which it
// reads the group's values back into, and its slice of the group's
// stacked state), n members' activations in each step, each member's
// batches (its own pipeline prepares them and hands them to the step),
// and the data set once (the group keeps one copy). For n 1 it is
// EstimateMemory.
func EstimateGroupMemory(cfg config.Config, n int) MemoryEstimate {
	if n <= 1 {
		return EstimateMemory(cfg)
	}
	member := memberConfig(cfg)
	est := EstimateMemory(member)
	k := float64(n)
	est.Parameters *= k
	est.State *= 2 * k
	est.Activations *= k
	est.Data += (k - 1) * preparedBatches(member) // EstimateMemory counted one member's
	return est
}

// GroupFits refuses, with a *MemoryError (ErrMemory), a Group of n
// members of cfg's shape (validated) that this machine's memory cannot
// hold; where the machine's memory is unknown it checks nothing.
func GroupFits(cfg config.Config, n int) error {
	return checkGroupMemory(cfg, n, backend.HostMemoryGB()*1e9)
}

// MaxMembers is the most members of cfg's shape (validated) a Group can
// hold in this machine's memory, from 1 to MaxGroup (MaxGroup where the
// memory is unknown): what a front end sizes its groups by.
func MaxMembers(cfg config.Config) int {
	return maxMembers(cfg, backend.HostMemoryGB()*1e9)
}

func maxMembers(cfg config.Config, hostBytes float64) int {
	if hostBytes <= 0 {
		return MaxGroup
	}
	lo, hi := 1, MaxGroup // the estimate grows with n: the largest n that fits, by bisection
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if EstimateGroupMemory(cfg, mid).Total() <= hostBytes {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo
}

func checkGroupMemory(cfg config.Config, n int, hostBytes float64) error {
	if hostBytes <= 0 {
		return nil
	}
	est := EstimateGroupMemory(cfg, n)
	if est.Total() <= hostBytes {
		return nil
	}
	return &MemoryError{Shape: describeShape(cfg.Model), BatchSize: cfg.BatchSize, Optimizer: cfg.Optimizer, Estimate: est, HostBytes: hostBytes, Members: n}
}

// MemoryError is CheckMemory's refusal: what the configuration needs and
// what the machine has. It matches ErrMemory. Front ends add their advice
// (fewer or narrower layers, a smaller batch) in their own words.
type MemoryError struct {
	Shape     string // the model's shape, briefly
	BatchSize int
	Optimizer string
	Estimate  MemoryEstimate
	HostBytes float64 // the machine's memory
	Members   int     // a Group's members (GroupFits); 0 or 1: one run
}

// Need says what the configuration needs and the machine has, in a line.
func (e *MemoryError) Need() string {
	est := e.Estimate
	what := e.Shape
	if e.Members > 1 {
		what = fmt.Sprintf("a group of %d runs of %s", e.Members, e.Shape)
	}
	return fmt.Sprintf("%s with batch %d needs about %s (%.4g parameters: weights, gradients and %s state %s; activations %s; data %s), "+
		"more than this machine's %s of memory", what, e.BatchSize, gb(est.Total()), est.Parameters, e.Optimizer,
		gb(est.State), gb(est.Activations), gb(est.Data), gb(e.HostBytes))
}

func (e *MemoryError) Error() string { return ErrMemory.Error() + ": " + e.Need() }

// Unwrap returns ErrMemory.
func (e *MemoryError) Unwrap() error { return ErrMemory }

// describeShape names a model's shape briefly: its String when that is
// short, else its layer count (a 64-layer String would fill a screen).
func describeShape(spec models.Spec) string {
	if s, err := spec.Normalize(); err == nil {
		spec = s
	}
	s := spec.String()
	if len(s) <= 80 {
		return s
	}
	m, err := models.New(spec)
	if err != nil {
		return spec.Name
	}
	widest := 0
	for _, l := range m.Layers() {
		widest = max(widest, l.Units())
	}
	return fmt.Sprintf("%s of %d layers of up to %d units", spec.Name, len(m.Layers()), widest)
}

// gb formats bytes in GB, or MB below a GB.
func gb(bytes float64) string {
	if bytes < 1e9 {
		return fmt.Sprintf("%.1f MB", bytes/1e6)
	}
	return fmt.Sprintf("%.1f GB", bytes/1e9)
}

// PeakRSSMB is the process's peak resident memory so far, in MB (0 where
// the system does not say): Run reports it after compiling, package
// train/bench with each measurement.
func PeakRSSMB() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	if runtime.GOOS == "darwin" {
		return float64(ru.Maxrss) / 1e6
	}
	return float64(ru.Maxrss) / 1024
}
