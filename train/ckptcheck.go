package train

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sync"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train/backend"
	"github.com/neurona/neurona/train/checkpoint"
	"github.com/neurona/neurona/train/config"
)

// Checkpoints returns the checks of a checkpoint the trainer relies on: its
// layout, and its variables against the model its saved configuration
// builds (checkSavedModel), so that a checkpoint Verify calls valid always
// loads. Every reader of checkpoints that will load them passes these.
func Checkpoints() checkpoint.Checks { return checkpoint.Checks{Content: checkSavedModel} }

// savedVariable is what a checkpoint must hold of one variable of the
// program its configuration builds.
type savedVariable struct {
	DType string
	Shape []int
}

// expected caches, per configuration (its JSON), the variables a
// fresh program of it creates: checking the checkpoints of one run builds
// the program once.
var expected struct {
	sync.Mutex
	backend compute.Backend
	vars    map[string]map[string]savedVariable
}

// checkSavedModel is the checkpoint package's ContentCheck: the saved
// configuration must be valid, and the checkpoint must hold exactly the
// variables (paths, dtypes, shapes) that a fresh program of that
// configuration creates, so that a checkpoint that verifies loads.
func checkSavedModel(c *checkpoint.Checkpoint) error {
	var meta checkpointMeta
	if err := json.Unmarshal(c.Meta, &meta); err != nil {
		return checkpoint.Inconsistent(fmt.Errorf("checkpoint %s: %s: %v", c.Dir, checkpoint.MetaFile, err))
	}
	cfg, err := savedConfig(c.Dir, meta.Config)
	if err != nil {
		return checkpoint.Inconsistent(err)
	}
	var blob int64
	for _, f := range c.Manifest.Files {
		if f.Name == checkpoint.BlobFile {
			blob = f.Size
		}
	}
	// The weights alone must fit in variables.bin: this bounds what
	// building the program below allocates by the file's real size.
	if weights := weightBytes(cfg.Model); weights > float64(blob) {
		return checkpoint.Inconsistent(fmt.Errorf("saved configuration of %s: the model %s has more weights than the %d bytes of %s",
			c.Dir, cfg.Model, blob, checkpoint.BlobFile))
	}
	want, err := expectedVariables(cfg)
	if err != nil {
		return checkpoint.Inconsistent(fmt.Errorf("saved configuration of %s: %w", c.Dir, err))
	}
	bad := func(format string, args ...any) error {
		return checkpoint.Inconsistent(fmt.Errorf("checkpoint %s: %s, but its saved configuration (%s, %s) builds a model that does not match",
			c.Dir, fmt.Sprintf(format, args...), cfg.Model, cfg.Optimizer))
	}
	seen := map[string]bool{}
	for _, v := range c.Variables {
		w, ok := want[v.Path]
		switch {
		case !ok:
			return bad("it holds variable %s", v.Path)
		case v.DType != w.DType || !slices.Equal(v.Shape, w.Shape):
			return bad("variable %s is %s%v where the model has %s%v", v.Path, v.DType, v.Shape, w.DType, w.Shape)
		}
		seen[v.Path] = true
	}
	for path := range want {
		if !seen[path] {
			return bad("variable %s is missing", path)
		}
	}
	return nil
}

// savedConfig validates the configuration saved in the checkpoint in dir,
// naming it in the error: a bad saved configuration is the checkpoint's
// fault, not the user's flags'.
func savedConfig(dir string, cfg config.Config) (config.Config, error) {
	if err := cfg.Validate(); err != nil {
		return cfg, fmt.Errorf("saved configuration of %s: %w", dir, err)
	}
	return cfg, nil
}

// weightBytes is the bytes of a model's float32 weights and biases, from
// its spec alone (its Size, counted in float64: no shape overflows it).
func weightBytes(spec models.Spec) float64 {
	size, err := spec.Size()
	if err != nil { // savedConfig validated it
		return math.Inf(1)
	}
	return 4 * size.Params
}

// expectedVariables returns the variables a fresh program of cfg creates,
// by building (not running) its train step for a batch of one on the Go
// backend.
func expectedVariables(cfg config.Config) (vars map[string]savedVariable, err error) {
	// JSON, not %+v: the model spec's String leaves fields out (its layout).
	raw, err := json.Marshal(cfg)
	if err != nil {
		return nil, err
	}
	key := string(raw)
	expected.Lock()
	defer expected.Unlock()
	if vars, ok := expected.vars[key]; ok {
		return vars, nil
	}
	if expected.backend == nil {
		b, _, err := backend.New(backend.Go)
		if err != nil {
			return nil, err
		}
		expected.backend = b
	}
	defer func() {
		if r := recover(); r != nil {
			vars, err = nil, fmt.Errorf("build the model: %v", r)
		}
	}()
	m, err := models.New(cfg.Model)
	if err != nil {
		return nil, err
	}
	p, err := newProgram(expected.backend, cfg, m, 1)
	if err != nil {
		return nil, err
	}
	defer p.trainExec.Finalize()
	defer p.evalExec.Finalize()
	defer p.residentExec.Finalize()
	if _, err := p.trainExec.Compile(shapes.Make(dtypes.Uint8, 1, cfg.Model.Inputs), shapes.Make(dtypes.Int32, 1)); err != nil {
		return nil, fmt.Errorf("build the model: %w", err)
	}
	vars = map[string]savedVariable{}
	for v := range p.store.IterVariables() {
		s := v.Shape()
		vars[v.Path()] = savedVariable{DType: s.DType.String(), Shape: s.Dimensions}
	}
	if expected.vars == nil {
		expected.vars = map[string]map[string]savedVariable{}
	}
	expected.vars[key] = vars
	return vars, nil
}
