package train

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/gomlx/compute"
	"github.com/neurona/neurona/data"
	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train/backend"
	"github.com/neurona/neurona/train/config"
	"github.com/neurona/neurona/train/runfolder"
)

// MaxGroup is the most members a group may have.
const MaxGroup = 256

// Group trains several runs of one shape (GroupKey) side by side in one
// compiled program: every weight and optimizer value gets a leading trial
// axis, each product is a batched product over it, and each member keeps
// its own learning rate, schedule, weight decay, momentum, seed (so its
// own initialization and data order) and step count. Autodiff of the sum
// of the members' losses gives each member exactly its own gradients, and
// nothing mixes across the trial axis: a member whose loss turns NaN
// stops alone.
//
// Each member calls Run from its own goroutine, as it would call the
// package's Run, and gets its own run folder, events, checkpoints, early
// stopping and summary; its checkpoints are those of a run trained alone,
// so it evaluates, resumes, predicts and serves like any run. Members
// step together: a step runs once every member still training has handed
// in its batch, so a member busy evaluating or saving holds the others
// for that long. A member that stops (its epochs done, early stopping, a
// divergence, an error) leaves the group, whose later steps keep its
// values as they are.
//
// Why one program: a member alone keeps a GPU a few percent busy and the
// Go backend's cores idle (docs/performance.md); side by side the members
// fill them, for the cost of one launch per step.
type Group struct {
	n int

	mu   sync.Mutex
	cond *sync.Cond

	key   string // the members' GroupKey, set by the first
	ready bool   // the backend is made
	b     compute.Backend
	name  string
	berr  error

	set      *data.Set    // the training set every member draws its batches from (the first's)
	slots    []*groupSlot // members that compiled their program, in the order they did
	departed int          // members that left before compiling theirs
	prog     *groupProgram
	progErr  error // making or compiling prog failed
	running  bool  // a step is running (Group.runStep), without g.mu
	ended    bool  // every member left: the state is freed

	// share: the members evaluate and predict through the group's calls
	// (sharedCalls), on every backend but the Go one (tests set it there).
	share  bool
	shared *sharedCalls

	placed   bool // onDevice is set, by the first member
	onDevice bool // the members keep their data on the device (Config.DataOnDevice)

	hang chan struct{} // tests: steps wait for it to close, as a deadlocked backend's never return
}

// NewGroup returns a group of n members (1 to MaxGroup); every one of
// them must call Run, or the others wait for it.
func NewGroup(n int) *Group {
	g := &Group{n: min(max(n, 1), MaxGroup)}
	g.cond = sync.NewCond(&g.mu)
	return g
}

// Run trains cfg as one member of g: Run's contract for one run. The
// configuration trains with one step per call and one shard (the group's
// program runs its steps), and with its data on the device as
// opts.DataOnDevice says, where Run would put it (the group keeps one copy
// of the training set, from which each member's batch is gathered by its
// indices), which its run records. Every member trains on the same
// mnist.Train and asks for its data in the same place.
func (g *Group) Run(ctx context.Context, cfg config.Config, mnist *data.MNIST, opts Options) (_ *runfolder.Summary, err error) {
	slot := &groupSlot{group: g, ctx: ctx, index: -1}
	defer slot.leave()
	if err := cfg.FitData(mnist); err != nil {
		return nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	key, why := GroupKey(cfg)
	if key == "" {
		return nil, fmt.Errorf("%w: this run cannot train in a group: %s", config.ErrConfig, why)
	}
	b, name, err := g.backendFor(cfg, key, mnist.Train, observers(opts.Observers))
	if err != nil {
		return nil, err
	}
	cfg.Backend = name
	cfg = memberConfig(cfg)
	if cfg.DataOnDevice, err = g.place(cfg.DataOnDevice, opts.DataOnDevice); err != nil {
		return nil, err
	}
	opts.member = slot
	s, _, err := execute(ctx, b, cfg, mnist, opts)
	return s, err
}

// Leave tells g that one of its members will not call Run (its setup
// failed before its run could start), so that the others do not wait for
// it. A member that called Run must not call Leave: Run leaves when the
// run ends.
func (g *Group) Leave() {
	(&groupSlot{group: g, index: -1, ctx: context.Background()}).leave()
}

// memberConfig is cfg (cfg.Backend the backend's name) as a group member
// trains: one step per call and one shard (the group's program runs its
// steps), and its data on the device where a run alone would put it
// (autoDataOnDevice; the group keeps that copy), which its run records.
func memberConfig(cfg config.Config) config.Config {
	cfg.StepsPerCall, cfg.AutoStepsPerCall, cfg.Loop, cfg.DataOnDevice = 1, false, "", autoDataOnDevice(cfg.Backend)
	cfg.Shards, cfg.AutoShards = 1, false
	return cfg
}

// backendFor returns the group's backend, made by the first member (every
// member's key names the same backend), and checks that cfg's key and
// training set are the group's (the first member's), before the run
// writes anything.
func (g *Group) backendFor(cfg config.Config, key string, set *data.Set, obs observers) (compute.Backend, string, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.ready {
		if key != g.key {
			return nil, "", fmt.Errorf("%w: this run's shape differs from its group's (GroupKey)", config.ErrConfig)
		}
		if !sameSet(set, g.set) {
			return nil, "", fmt.Errorf("%w: a group's members train on one data set, and this run's differs from the group's", config.ErrConfig)
		}
		return g.b, g.name, g.berr
	}
	g.ready, g.key, g.set = true, key, set
	if g.berr = GroupFits(cfg, g.n); g.berr != nil { // before any member allocates or writes anything
		return nil, "", g.berr
	}
	requested := cfg.Backend
	if chosen, err := backend.Choose(requested); err == nil && chosen == backend.Go {
		size, err := cfg.Model.Size()
		if err != nil {
			g.berr = err
			return nil, "", err
		}
		// The group multiplies n members' products: the backend's
		// parallelism is chosen for that much work.
		requested = backend.GoFor(size.MultiplyAdds * float64(g.n))
	}
	g.b, g.name, g.berr = backend.NewWith(requested, backend.Options{Warn: func(w error) { obs.report(Warned{w}) }})
	g.share = g.share || g.berr == nil && !backend.IsGo(g.name)
	return g.b, g.name, g.berr
}

// place says where the members keep their data: where the first member
// asked (Options.DataOnDevice "on" or "off"; else auto, where a run alone
// would keep it), which every member must ask too, since the group's step
// takes one kind of batch.
func (g *Group) place(auto bool, asked string) (bool, error) {
	want := auto
	if asked == "on" || asked == "off" {
		want = asked == "on"
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.placed {
		g.placed, g.onDevice = true, want
	}
	if want != g.onDevice {
		where := map[bool]string{true: "on the device", false: "on the host"}
		return false, fmt.Errorf("%w: a group's members keep their data in one place: this run asks for its data %s, the group keeps it %s",
			config.ErrConfig, where[want], where[g.onDevice])
	}
	return want, nil
}

// calls is the group's shared evaluation and prediction calls, made by
// the first member to ask; nil where members keep their own (g.share).
func (g *Group) calls() *sharedCalls {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.share {
		return nil
	}
	if g.shared == nil {
		g.shared = &sharedCalls{}
	}
	return g.shared
}

// sameSet reports whether a and b hold the same examples.
func sameSet(a, b *data.Set) bool {
	return a == b || a.N == b.N && bytes.Equal(a.Images, b.Images) && bytes.Equal(a.Labels, b.Labels)
}

// GroupKey says which runs can train in one group: those whose keys are
// equal and not "". Members share their model, batch size, optimizer
// (Adam and AdamW are one; SGD with momentum another than without),
// averaging or not, precision (f32 only), backend and every setting that
// shapes the step; they may differ in learning rate, weight decay,
// momentum, warm-up, schedule, seed, epochs, validation split, stopping
// rules and checkpointing. For a run that cannot be grouped it returns ""
// and the reason, in words.
func GroupKey(cfg config.Config) (key, why string) {
	if cfg.Precision != "" && cfg.Precision != config.PrecisionF32 {
		return "", "a group trains in f32 only"
	}
	k := cfg
	k.LR, k.WeightDecay, k.Warmup, k.Schedule, k.Seed, k.Epochs = 0, 0, 0, "", 0, 0
	if k.Momentum > 0 { // with or without momentum: their state differs
		k.Momentum = 1
	}
	if k.Optimizer == "adamw" {
		k.Optimizer = "adam"
	}
	k.ValSplit, k.DropLast = 0, false
	k.StepsPerCall, k.AutoStepsPerCall, k.Loop, k.DataOnDevice, k.Shards, k.AutoShards = 0, false, "", false, 0, false
	k.Patience, k.EarlyStopMonitor, k.EarlyStopMinDelta, k.Tol, k.NoChange, k.RestoreBest = 0, "", 0, 0, 0, false
	k.LogEvery, k.SaveEvery, k.SaveEveryEpoch, k.KeepLast, k.KeepBest, k.RunDir, k.Progress = 0, 0, false, 0, false, "", false
	spec, err := k.Model.Normalize()
	if err != nil {
		return "", err.Error()
	}
	k.Model = spec
	b, err := json.Marshal(k)
	if err != nil {
		return "", err.Error()
	}
	// The backend as chosen, not as written: a resumed run's configuration
	// names none (its checkpoint does not record the request), a new one's
	// may say "go"; both train on the same.
	chosen, err := backend.Choose(k.Backend)
	if err != nil {
		chosen = k.Backend // not available here: the run says so when it starts
	}
	return chosen + " " + string(b), ""
}

// errWithdrawn is what a member's training call returns when its context
// was cancelled while it waited for the others: the call did not run, and
// the member stops as it would before a call.
var errWithdrawn = errors.New("withdrawn from the group's step")

// paramNames are m's trainable variables, in ParamsOf's order.
func paramNames(m models.Model) []string {
	params, _ := models.ParamsOf(m)
	names := make([]string, len(params))
	for i, p := range params {
		names[i] = p.Name
	}
	return names
}
