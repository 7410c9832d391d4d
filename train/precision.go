package train

import (
	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph code reads better dot-imported, as in GoMLX.
	"github.com/gomlx/gomlx/ml/model"
	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train/backend"
	"github.com/neurona/neurona/train/config"
)

// computeDType is the dtype cfg's model computes its products and
// activations in (Config.Precision). Its variables are float32 whatever it
// is (models.MasterDType).
func computeDType(cfg config.Config) dtypes.DType {
	if cfg.BF16() {
		return dtypes.BFloat16
	}
	return dtypes.Float32
}

// scores builds the model's scores on the uint8 images x [batch, inputs]:
// the pixels scaled to [0,1] in float32 and rounded to the run's precision,
// the model's layers computed in it, and the scores returned as float32,
// in which the loss, the metrics and the outputs are computed (mixed
// precision as PyTorch's autocast and Keras's policies do it: bfloat16
// needs no loss scaling, its exponent is float32's). In float32 both
// conversions are no operation, and the graph is the one built before
// mixed precision existed.
func (p *Program) scores(scope *model.Scope, x *Node) *Node {
	if p.cfg.BF16() && backend.IsGoBackend(p.backend) {
		// The Go backend's own bfloat16 product is about 40 times slower
		// than its float32 one, for the same result (models.MultiplyIn).
		models.MultiplyIn(scope, dtypes.Float32)
	}
	s := p.model.Scores(scope, ConvertDType(pixels(x), computeDType(p.cfg)))
	return ConvertDType(s, dtypes.Float32)
}

// PrecisionNotFaster: the run computes in a precision that is no faster
// than float32 on its backend, so that it buys nothing there but
// rounding. Reported once, after Planned.
type PrecisionNotFaster struct {
	Precision string  // config.PrecisionBF16
	Backend   string  // the backend's name
	Slowdown  float64 // a step's time over float32's, as measured (docs/performance.md)
}

func (PrecisionNotFaster) event() {}

// goBF16Slowdown is a bfloat16 training step's time over a float32 one
// for the default MLP on GoMLX's Go backend (compute v0.1.2), measured
// interleaved on the 2-core machine (docs/performance.md, "Mixed precision
// (bf16) on the Go backend": 1.0-1.2 at batch 512, 1.2-1.4 at batch 128).
// The backend has no bfloat16 arithmetic: its products are float32 ones
// (models.MultiplyIn), and the conversions around them add work.
const goBF16Slowdown = 1.2

// PrecisionNotFasterOn says whether cfg's precision is no faster than
// float32 on the backend called name: bfloat16 on the Go backend. Run
// reports it as an event; bench says it beside its measurements.
func PrecisionNotFasterOn(cfg config.Config, name string) (PrecisionNotFaster, bool) {
	if cfg.BF16() && backend.IsGo(name) {
		return PrecisionNotFaster{Precision: cfg.Precision, Backend: name, Slowdown: goBF16Slowdown}, true
	}
	return PrecisionNotFaster{}, false
}
