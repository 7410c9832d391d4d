package data

import (
	"fmt"
	"iter"
	"math/rand/v2"
	"slices"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/train"
)

// BatchOptions configure a Batches pipeline.
type BatchOptions struct {
	// BatchSize is the number of examples per training step.
	BatchSize int
	// StepsPerCall groups that many consecutive batches into one tensor of
	// StepsPerCall*BatchSize rows, so that one compiled call can run several
	// steps. The order of examples does not depend on it. 0 means 1.
	StepsPerCall int
	// Shuffle reorders the examples every epoch; the order of epoch e is a
	// pure function of (Seed, e), so any epoch can be replayed.
	Shuffle bool
	Seed    uint64
	// DropLast skips the last batch of an epoch when it has fewer than
	// BatchSize examples. Without it, that batch is yielded on its own with
	// its real size (Group.BatchSize < BatchSize), never padded.
	DropLast bool
	// Prefetch is how many groups are prepared ahead of the consumer in a
	// goroutine while it runs the current step. 0 means 2; -1 disables it.
	Prefetch int
	// Name is shown in errors and logs.
	Name string
	// IndicesOnly yields, instead of pixels and labels, the examples'
	// indices into the Set (Inputs[0], int32 [rows]; no Labels), for a
	// dataset resident on the device that gathers its own batches.
	IndicesOnly bool
}

// Group describes one yielded batch tensor: Steps consecutive minibatches of
// BatchSize examples each. It is the train.Batch.Spec of every batch.
type Group struct {
	Steps, BatchSize int
}

// Batches streams minibatches of a Set restricted to some indices. Each
// batch holds Inputs[0] as uint8 pixels [rows, Rows*Cols] (the model graph
// converts them to float32 in [0,1], which keeps host work and transfers
// four times smaller) and Labels[0] as int32 [rows].
//
// It implements GoMLX's train.Dataset: each call of Iter is the next epoch.
type Batches struct {
	set     *Set
	indices []int
	opts    BatchOptions
	epoch   int
}

var _ train.Dataset = (*Batches)(nil)

// NewBatches checks opts and returns a pipeline over set[indices].
func NewBatches(set *Set, indices []int, opts BatchOptions) (*Batches, error) {
	if opts.BatchSize <= 0 {
		return nil, fmt.Errorf("data: batch size %d (must be >= 1)", opts.BatchSize)
	}
	if opts.StepsPerCall == 0 {
		opts.StepsPerCall = 1
	}
	if opts.StepsPerCall < 0 {
		return nil, fmt.Errorf("data: steps per call %d (must be >= 1)", opts.StepsPerCall)
	}
	if opts.Prefetch == 0 {
		opts.Prefetch = 2
	}
	for _, i := range indices {
		if i < 0 || i >= set.N {
			return nil, fmt.Errorf("data: index %d outside 0..%d", i, set.N-1)
		}
	}
	if opts.Name == "" {
		opts.Name = "mnist"
	}
	return &Batches{set: set, indices: indices, opts: opts}, nil
}

// Name implements train.Dataset.
func (b *Batches) Name() string { return b.opts.Name }

// Len is the number of examples one epoch covers before DropLast.
func (b *Batches) Len() int { return len(b.indices) }

// StepsPerEpoch is the number of training steps (minibatches) in an epoch.
func (b *Batches) StepsPerEpoch() int {
	full := len(b.indices) / b.opts.BatchSize
	if !b.opts.DropLast && len(b.indices)%b.opts.BatchSize != 0 {
		full++
	}
	return full
}

// CallRows lists the distinct row counts of the tensors a full epoch
// yields (StepsPerCall·BatchSize, a smaller group at the end, the last
// partial batch): one compiled shape each.
func (b *Batches) CallRows() []int {
	groups, _ := b.groups(len(b.indices))
	var rows []int
	for _, g := range groups {
		if r := g.Steps * g.BatchSize; !slices.Contains(rows, r) {
			rows = append(rows, r)
		}
	}
	return rows
}

// SetEpoch makes the next Iter yield epoch e (0-based).
func (b *Batches) SetEpoch(e int) { b.epoch = e }

// Iter implements train.Dataset: it yields the next epoch.
func (b *Batches) Iter() iter.Seq2[train.Batch, error] {
	e := b.epoch
	b.epoch++
	return b.Epoch(e)
}

// Order returns the example indices of epoch e in the order they are served.
func (b *Batches) Order(e int) []int {
	order := append([]int(nil), b.indices...)
	if b.opts.Shuffle {
		rng := rand.New(rand.NewPCG(b.opts.Seed, uint64(e)+0x5851f42d4c957f2d))
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
	}
	return order
}

// groups cuts an epoch of n examples into the Groups yielded and the row
// each starts at.
func (b *Batches) groups(n int) (groups []Group, starts []int) {
	bs, k := b.opts.BatchSize, b.opts.StepsPerCall
	full := n / bs
	start := 0
	for full > 0 {
		s := min(k, full)
		groups = append(groups, Group{Steps: s, BatchSize: bs})
		starts = append(starts, start)
		start += s * bs
		full -= s
	}
	if rest := n - start; rest > 0 && !b.opts.DropLast {
		groups = append(groups, Group{Steps: 1, BatchSize: rest})
		starts = append(starts, start)
	}
	return groups, starts
}

// Epoch yields the batches of epoch e. With prefetching, the next group is
// assembled in a goroutine while the consumer works on the current one;
// stopping the loop early stops the goroutine and frees what it prepared.
func (b *Batches) Epoch(e int) iter.Seq2[train.Batch, error] {
	return b.EpochFrom(e, 0)
}

// EpochFrom yields epoch e without its first `step` minibatches: the rest of
// an epoch a resumed run was interrupted in. Groups of StepsPerCall are
// counted from `step`, so resuming at a group boundary yields the same
// groups as the uninterrupted epoch.
func (b *Batches) EpochFrom(e, step int) iter.Seq2[train.Batch, error] {
	return func(yield func(train.Batch, error) bool) {
		order := b.Order(e)
		if skip := step * b.opts.BatchSize; skip > 0 {
			order = order[min(skip, len(order)):]
		}
		groups, starts := b.groups(len(order))
		build := func(i int) train.Batch {
			g := groups[i]
			return b.assemble(order[starts[i]:starts[i]+g.Steps*g.BatchSize], g)
		}
		if b.opts.Prefetch < 0 {
			for i := range groups {
				if !yield(build(i), nil) {
					return
				}
			}
			return
		}
		ready := make(chan train.Batch, b.opts.Prefetch)
		done := make(chan struct{})
		go func() {
			defer close(ready)
			for i := range groups {
				batch := build(i)
				select {
				case ready <- batch:
				case <-done:
					_ = batch.Finalize()
					return
				}
			}
		}()
		defer func() {
			close(done)
			for batch := range ready { // free what was prepared but not consumed
				_ = batch.Finalize()
			}
		}()
		for batch := range ready {
			if !yield(batch, nil) {
				return
			}
		}
	}
}

// assemble copies the examples idx into fresh tensors.
func (b *Batches) assemble(idx []int, g Group) train.Batch {
	if b.opts.IndicesOnly {
		t := tensors.FromShape(shapes.Make(dtypes.Int32, len(idx)))
		tensors.MustMutableFlatData(t, func(flat []int32) {
			for r, i := range idx {
				flat[r] = int32(i)
			}
		})
		return train.Batch{Inputs: []*tensors.Tensor{t}, Spec: g}
	}
	size := b.set.ImageSize()
	x := tensors.FromShape(shapes.Make(dtypes.Uint8, len(idx), size))
	y := tensors.FromShape(shapes.Make(dtypes.Int32, len(idx)))
	tensors.MustMutableFlatData(x, func(flat []uint8) {
		for r, i := range idx {
			copy(flat[r*size:(r+1)*size], b.set.Images[i*size:(i+1)*size])
		}
	})
	tensors.MustMutableFlatData(y, func(flat []int32) {
		for r, i := range idx {
			flat[r] = int32(b.set.Labels[i])
		}
	})
	return train.Batch{Inputs: []*tensors.Tensor{x}, Labels: []*tensors.Tensor{y}, Spec: g}
}
