package train

import (
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph code reads better dot-imported, as in GoMLX.
	"github.com/neurona/neurona/train/backend"
	"github.com/neurona/neurona/train/config"
)

// AutoShards is the shards a step of c is split into (Config.Shards) on
// the backend named (as backend.New returns it): c.Shards when set, else
// one per core the Go backend can run them on (backend.ShardCores), each
// of at least config.MinShardRows rows and config.MinShardWork
// multiply-adds, and 1 on another backend, when the
// Go backend runs operations one at a time or when its worker pool is
// bounded by an option (backend.PrepareShards).
//
// Why: the Go backend splits a matrix product across cores only when it is
// large (a batch of 512 of the default MLP is one work item per product),
// and runs element-wise operations on one core each; it does run
// independent operations side by side. The shards of a step are
// independent until their gradients are summed, so each core gets one.
// XLA splits its kernels itself: one program there.
func AutoShards(c config.Config, backendName string) int {
	if c.Shards > 0 {
		return c.Shards
	}
	cores := backend.ShardCores(backendName) // 0 for XLA, 1 when sequential
	shards := min(cores, c.BatchSize/config.MinShardRows, config.MaxShards)
	if size, err := c.Model.Size(); err == nil && size.MultiplyAdds > 0 {
		shards = min(shards, int(float64(c.BatchSize)*size.MultiplyAdds/config.MinShardWork))
	}
	return max(1, shards)
}

// PlannedShards is the shards AutoShards gives a step of c on the backend
// Run would start for it, without starting one: c.Backend (or
// $GOMLX_BACKEND, or the best available; backend.Choose) and, for the plain
// Go backend, the configuration Run picks for the model's size. Callers
// that start several runs at once (a sweep's --jobs) fix each run's shards
// with it beforehand, so that the runs' results do not depend on what else
// the machine is doing. The model is sized from c.Model, MNIST's 28x28
// images where it does not say; Run sizes it from the data it loads.
func PlannedShards(c config.Config) (int, error) {
	name, err := backend.Choose(c.Backend)
	if err != nil {
		return 0, err
	}
	if name == backend.Go {
		if name, err = goConfig(c); err != nil {
			return 0, err
		}
	}
	return AutoShards(c, name), nil
}

// goConfig is the Go backend configuration Run starts for c when the plain
// Go backend is chosen: operations one at a time for a small model
// (backend.GoFor).
func goConfig(c config.Config) (string, error) {
	size, err := c.Model.Size()
	if err != nil {
		return "", err
	}
	return backend.GoFor(size.MultiplyAdds), nil
}

// shardsOf is how many shards a step of batch examples is split into: the
// configuration's (0, before Compile picks it, is 1), never more than the
// batch (an epoch's last batch may be smaller).
func (p *Program) shardsOf(batch int) int {
	return max(1, min(p.cfg.Shards, batch))
}

// shardRows splits batch rows into shards consecutive pieces, the first
// batch%shards of them one row longer.
func shardRows(batch, shards int) []int {
	rows := make([]int, shards)
	for i := range rows {
		rows[i] = batch / shards
		if i < batch%shards {
			rows[i]++
		}
	}
	return rows
}

// shardedLoss builds the forward pass and loss of each shard of the batch
// x [batch, inputs] uint8, y [batch] int32 as separate operations and
// returns the step's objective, scale·(the batch's mean loss), as the
// shards' losses weighted by their share of the batch and summed in shard
// order: its gradient, which autodiff writes as each shard's backward pass
// and the weights' gradients summed, is the unsharded step's up to float
// rounding. It also returns the batch's summed loss and correct count.
//
// Each shard starts from a fresh root scope over the store (GoMLX refuses
// to enter a sub-scope twice from one scope): it reads the same variables.
func (p *Program) shardedLoss(x, y *Node, batch, shards int, scale float64) (objective, lossSum, correct *Node) {
	start := 0
	for i, rows := range shardRows(batch, shards) {
		xs := Slice(x, AxisRange(start, start+rows))
		ys := Slice(y, AxisRange(start, start+rows))
		start += rows
		scores := p.scores(p.store.RootScope(), xs)
		loss := p.model.Loss(scores, ys) // the shard's mean
		weighted := MulScalar(loss, scale*float64(rows)/float64(batch))
		sum := MulScalar(StopGradient(loss), float64(rows))
		hits := countCorrect(scores, ys)
		if i == 0 {
			objective, lossSum, correct = weighted, sum, hits
			continue
		}
		objective, lossSum, correct = Add(objective, weighted), Add(lossSum, sum), Add(correct, hits)
	}
	return objective, lossSum, correct
}
