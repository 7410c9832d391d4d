package data_test

import (
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/train"
	"github.com/neurona/neurona/data"
)

// pixelSet returns n synthetic 2x2 images whose four pixels all hold the
// image's index, so a batch row tells which example it is; label i is i%10.
func pixelSet(n int) *data.Set {
	s := &data.Set{N: n, Rows: 2, Cols: 2, Images: make([]uint8, n*4), Labels: make([]uint8, n)}
	for i := range n {
		for k := range 4 {
			s.Images[i*4+k] = uint8(i)
		}
		s.Labels[i] = uint8(i % data.NumClasses)
	}
	return s
}

func seq(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// served is what one epoch yielded: the example index of every row, in
// order, and each batch's Group.
type served struct {
	rows   []int
	groups []data.Group
}

// readBatch checks one batch's tensors against set and returns the example
// index of each row (read from the pixels, checked against the label).
func readBatch(t *testing.T, set *data.Set, b train.Batch) []int {
	t.Helper()
	defer func() { _ = b.Finalize() }()
	if len(b.Inputs) != 1 || len(b.Labels) != 1 {
		t.Fatalf("batch has %d inputs and %d labels, want 1 and 1", len(b.Inputs), len(b.Labels))
	}
	x, y := b.Inputs[0], b.Labels[0]
	if x.Shape().DType != dtypes.Uint8 || x.Shape().Rank() != 2 || x.Shape().Dimensions[1] != set.ImageSize() {
		t.Fatalf("images have shape %s, want (Uint8)[rows %d]", x.Shape(), set.ImageSize())
	}
	rows := x.Shape().Dimensions[0]
	if y.Shape().DType != dtypes.Int32 || y.Shape().Rank() != 1 || y.Shape().Dimensions[0] != rows {
		t.Fatalf("labels have shape %s, want (Int32)[%d]", y.Shape(), rows)
	}
	pixels := tensors.MustCopyFlatData[uint8](x)
	labels := tensors.MustCopyFlatData[int32](y)
	idx := make([]int, rows)
	for r := range rows {
		i := int(pixels[r*4])
		for k := 1; k < 4; k++ {
			if int(pixels[r*4+k]) != i {
				t.Fatalf("row %d mixes images: pixels %v", r, pixels[r*4:r*4+4])
			}
		}
		if labels[r] != int32(set.Labels[i]) {
			t.Fatalf("row %d is image %d with label %d, want %d", r, i, labels[r], set.Labels[i])
		}
		idx[r] = i
	}
	return idx
}

// collect runs epoch e to the end and checks every batch's Spec against
// the rows it holds.
func collect(t *testing.T, set *data.Set, b *data.Batches, e int) served {
	t.Helper()
	var s served
	for batch, err := range b.Epoch(e) {
		if err != nil {
			t.Fatalf("epoch %d: %v", e, err)
		}
		g, ok := batch.Spec.(data.Group)
		if !ok {
			t.Fatalf("batch Spec is %T, want data.Group", batch.Spec)
		}
		rows := readBatch(t, set, batch)
		if len(rows) != g.Steps*g.BatchSize {
			t.Fatalf("group %+v holds %d rows, want %d", g, len(rows), g.Steps*g.BatchSize)
		}
		s.rows = append(s.rows, rows...)
		s.groups = append(s.groups, g)
	}
	return s
}

func newBatches(t *testing.T, set *data.Set, indices []int, opts data.BatchOptions) *data.Batches {
	t.Helper()
	b, err := data.NewBatches(set, indices, opts)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestBatchesServeEveryExampleOncePerEpoch(t *testing.T) {
	set := pixelSet(10)
	tests := []struct {
		name    string
		indices []int
		opts    data.BatchOptions
	}{
		{"in order, batch 3", seq(10), data.BatchOptions{BatchSize: 3}},
		{"shuffled, batch 3", seq(10), data.BatchOptions{BatchSize: 3, Shuffle: true, Seed: 7}},
		{"shuffled, batch larger than the set", seq(10), data.BatchOptions{BatchSize: 64, Shuffle: true}},
		{"shuffled, three steps per call", seq(10), data.BatchOptions{BatchSize: 2, StepsPerCall: 3, Shuffle: true}},
		{"without prefetching", seq(10), data.BatchOptions{BatchSize: 4, Shuffle: true, Prefetch: -1}},
		{"a subset of the indices", []int{8, 2, 5}, data.BatchOptions{BatchSize: 2, Shuffle: true}},
		{"no indices at all", []int{}, data.BatchOptions{BatchSize: 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBatches(t, set, tt.indices, tt.opts)
			for e := range 3 {
				got := collect(t, set, b, e)
				if !slices.Equal(got.rows, b.Order(e)) {
					t.Errorf("epoch %d served %v, but Order says %v", e, got.rows, b.Order(e))
				}
				if want := slices.Sorted(slices.Values(tt.indices)); !slices.Equal(slices.Sorted(slices.Values(got.rows)), want) {
					t.Errorf("epoch %d served %v, want each of %v exactly once", e, got.rows, want)
				}
				if !tt.opts.Shuffle && !slices.Equal(got.rows, tt.indices) {
					t.Errorf("epoch %d without Shuffle served %v, want the indices' order %v", e, got.rows, tt.indices)
				}
			}
		})
	}
}

func TestBatchesShuffleOrder(t *testing.T) {
	set := pixelSet(10)
	opts := data.BatchOptions{BatchSize: 3, Shuffle: true, Seed: 42}
	a, b := newBatches(t, set, seq(10), opts), newBatches(t, set, seq(10), opts)

	t.Run("the same seed and epoch give the same order", func(t *testing.T) {
		for _, e := range []int{0, 1, 5} {
			if ra, rb := collect(t, set, a, e).rows, collect(t, set, b, e).rows; !slices.Equal(ra, rb) {
				t.Errorf("epoch %d: %v and %v", e, ra, rb)
			}
		}
	})
	t.Run("replaying an epoch gives the same order", func(t *testing.T) {
		if r1, r2 := collect(t, set, a, 3).rows, collect(t, set, a, 3).rows; !slices.Equal(r1, r2) {
			t.Errorf("epoch 3 twice: %v and %v", r1, r2)
		}
	})
	t.Run("consecutive epochs differ", func(t *testing.T) {
		// 10! orders: two equal ones by chance would point at a seeding bug.
		for e := range 4 {
			if r1, r2 := collect(t, set, a, e).rows, collect(t, set, a, e+1).rows; slices.Equal(r1, r2) {
				t.Errorf("epochs %d and %d both served %v", e, e+1, r1)
			}
		}
	})
	t.Run("another seed gives another order", func(t *testing.T) {
		other := opts
		other.Seed++
		c := newBatches(t, set, seq(10), other)
		if r1, r2 := collect(t, set, a, 0).rows, collect(t, set, c, 0).rows; slices.Equal(r1, r2) {
			t.Errorf("seeds %d and %d both served %v", opts.Seed, other.Seed, r1)
		}
	})
	t.Run("the first epoch is shuffled too", func(t *testing.T) {
		if r := collect(t, set, a, 0).rows; slices.Equal(r, seq(10)) {
			t.Errorf("epoch 0 served the identity order %v", r)
		}
	})
	t.Run("Iter yields consecutive epochs from SetEpoch", func(t *testing.T) {
		c := newBatches(t, set, seq(10), opts)
		c.SetEpoch(2)
		for want := 2; want < 4; want++ {
			var rows []int
			for batch, err := range c.Iter() {
				if err != nil {
					t.Fatal(err)
				}
				rows = append(rows, readBatch(t, set, batch)...)
			}
			if !slices.Equal(rows, c.Order(want)) {
				t.Errorf("Iter served %v, want epoch %d's %v", rows, want, c.Order(want))
			}
		}
	})
}

func TestBatchesGroups(t *testing.T) {
	tests := []struct {
		name       string
		n          int
		opts       data.BatchOptions
		wantGroups []data.Group
		wantSteps  int
	}{
		{"ten examples in batches of 2, three per call, give groups of 3 and 2 steps",
			10, data.BatchOptions{BatchSize: 2, StepsPerCall: 3}, []data.Group{{3, 2}, {2, 2}}, 5},
		{"a partial batch is its own one-step group of the rest",
			11, data.BatchOptions{BatchSize: 2, StepsPerCall: 3}, []data.Group{{3, 2}, {2, 2}, {1, 1}}, 6},
		{"DropLast drops the partial batch",
			11, data.BatchOptions{BatchSize: 2, StepsPerCall: 3, DropLast: true}, []data.Group{{3, 2}, {2, 2}}, 5},
		{"one step per call gives one group per batch",
			10, data.BatchOptions{BatchSize: 4}, []data.Group{{1, 4}, {1, 4}, {1, 2}}, 3},
		{"DropLast with one step per call",
			10, data.BatchOptions{BatchSize: 4, DropLast: true}, []data.Group{{1, 4}, {1, 4}}, 2},
		{"DropLast keeps everything when the batch divides the set",
			10, data.BatchOptions{BatchSize: 5, DropLast: true}, []data.Group{{1, 5}, {1, 5}}, 2},
		{"DropLast with a batch larger than the set yields nothing",
			10, data.BatchOptions{BatchSize: 16, DropLast: true}, nil, 0},
		{"a batch larger than the set is one partial batch",
			10, data.BatchOptions{BatchSize: 16}, []data.Group{{1, 10}}, 1},
		{"more steps per call than batches gives one group",
			10, data.BatchOptions{BatchSize: 1, StepsPerCall: 100}, []data.Group{{10, 1}}, 10},
		{"batches of one, in calls of four",
			10, data.BatchOptions{BatchSize: 1, StepsPerCall: 4}, []data.Group{{4, 1}, {4, 1}, {2, 1}}, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set := pixelSet(tt.n)
			for _, shuffle := range []bool{false, true} {
				opts := tt.opts
				opts.Shuffle, opts.Seed = shuffle, 3
				b := newBatches(t, set, seq(tt.n), opts)
				if got := b.StepsPerEpoch(); got != tt.wantSteps {
					t.Errorf("StepsPerEpoch = %d, want %d", got, tt.wantSteps)
				}
				if b.Len() != tt.n {
					t.Errorf("Len = %d, want %d", b.Len(), tt.n)
				}
				got := collect(t, set, b, 1)
				if !slices.Equal(got.groups, tt.wantGroups) {
					t.Errorf("shuffle %t: groups %v, want %v", shuffle, got.groups, tt.wantGroups)
				}
				steps := 0
				var callRows []int
				for _, g := range got.groups {
					steps += g.Steps
					if r := g.Steps * g.BatchSize; !slices.Contains(callRows, r) {
						callRows = append(callRows, r)
					}
				}
				if !slices.Equal(b.CallRows(), callRows) {
					t.Errorf("CallRows = %v, the groups served have %v", b.CallRows(), callRows)
				}
				if steps != tt.wantSteps {
					t.Errorf("shuffle %t: the groups hold %d steps, StepsPerEpoch says %d", shuffle, steps, tt.wantSteps)
				}
				// Grouping steps must not change which examples come in
				// which order: the rows are those of one step per call,
				// less what DropLast drops.
				single := opts
				single.StepsPerCall = 1
				want := collect(t, set, newBatches(t, set, seq(tt.n), single), 1).rows
				if !slices.Equal(got.rows, want) {
					t.Errorf("shuffle %t: rows %v, want the one-step-per-call order %v", shuffle, got.rows, want)
				}
				// What is served is a prefix of the epoch's order: all of it,
				// or all but the partial batch with DropLast.
				wantRows := 0
				for _, g := range tt.wantGroups {
					wantRows += g.Steps * g.BatchSize
				}
				if len(got.rows) != wantRows || !slices.Equal(got.rows, b.Order(1)[:wantRows]) {
					t.Errorf("shuffle %t: served %v, want the first %d of %v", shuffle, got.rows, wantRows, b.Order(1))
				}
			}
		})
	}
}

func TestBatchesPrefetchMatchesSynchronous(t *testing.T) {
	set := pixelSet(50)
	for _, prefetch := range []int{0, 1, 3, 100} {
		opts := data.BatchOptions{BatchSize: 3, StepsPerCall: 2, Shuffle: true, Seed: 9, Prefetch: prefetch}
		direct := opts
		direct.Prefetch = -1
		got := collect(t, set, newBatches(t, set, seq(50), opts), 4)
		want := collect(t, set, newBatches(t, set, seq(50), direct), 4)
		if !slices.Equal(got.rows, want.rows) || !slices.Equal(got.groups, want.groups) {
			t.Errorf("Prefetch %d served %v in %v, without prefetching %v in %v", prefetch, got.rows, got.groups, want.rows, want.groups)
		}
	}
}

// TestBatchesStopEarly breaks out of epochs after a batch or two: the
// prefetching goroutine must stop (no leak) and the loop must not hang.
func TestBatchesStopEarly(t *testing.T) {
	set := pixelSet(200)
	tests := []struct {
		name     string
		prefetch int
		stopAt   int // break after this many batches
	}{
		{"after the first batch with the default prefetch", 0, 1},
		{"after the first batch with a prefetch of one", 1, 1},
		{"after three batches with a deep prefetch", 50, 3},
		{"after the first batch without prefetching", -1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := runtime.NumGoroutine()
			b := newBatches(t, set, seq(200), data.BatchOptions{BatchSize: 1, Shuffle: true, Prefetch: tt.prefetch})
			finished := make(chan int)
			go func() {
				total := 0
				for e := range 20 {
					n := 0
					for batch, err := range b.Epoch(e) {
						if err != nil {
							t.Error(err)
						}
						_ = batch.Finalize()
						n++
						if n == tt.stopAt {
							break
						}
					}
					total += n
				}
				finished <- total
			}()
			select {
			case total := <-finished:
				if total != 20*tt.stopAt {
					t.Errorf("consumed %d batches over 20 epochs, want %d", total, 20*tt.stopAt)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("stopping an epoch early hung")
			}
			// The producers exit asynchronously after the consumer returns;
			// give them a moment before calling it a leak.
			deadline := time.Now().Add(5 * time.Second)
			for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			if now := runtime.NumGoroutine(); now > before {
				t.Errorf("%d goroutines before, %d after stopping 20 epochs early", before, now)
			}
		})
	}
}

func TestNewBatchesRejectsBadOptions(t *testing.T) {
	set := pixelSet(10)
	tests := []struct {
		name    string
		indices []int
		opts    data.BatchOptions
		want    string // in the error
	}{
		{"a batch size of zero", seq(10), data.BatchOptions{}, "batch size 0"},
		{"a negative batch size", seq(10), data.BatchOptions{BatchSize: -4}, "batch size -4"},
		{"negative steps per call", seq(10), data.BatchOptions{BatchSize: 2, StepsPerCall: -1}, "steps per call -1"},
		{"an index past the end", []int{0, 10}, data.BatchOptions{BatchSize: 2}, "index 10 outside 0..9"},
		{"a negative index", []int{-1, 3}, data.BatchOptions{BatchSize: 2}, "index -1 outside 0..9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := data.NewBatches(set, tt.indices, tt.opts)
			if err == nil {
				t.Fatalf("NewBatches accepted it: %+v", b)
			}
			if !strings.HasPrefix(err.Error(), "data: ") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want one starting with %q that mentions %q", err, "data: ", tt.want)
			}
		})
	}
}

func TestBatchesName(t *testing.T) {
	set := pixelSet(2)
	if got := newBatches(t, set, seq(2), data.BatchOptions{BatchSize: 1}).Name(); got != "mnist" {
		t.Errorf("default Name %q, want mnist", got)
	}
	if got := newBatches(t, set, seq(2), data.BatchOptions{BatchSize: 1, Name: "val"}).Name(); got != "val" {
		t.Errorf("Name %q, want val", got)
	}
}
