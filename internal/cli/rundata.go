package cli

import (
	"fmt"
	"os"

	"github.com/neurona/neurona/data"
	"github.com/neurona/neurona/train"
	"github.com/neurona/neurona/train/checkpoint"
)

// otherDataWarning is said at the top of every output made on other data
// than the run was trained on.
const otherDataWarning = "evaluated on other data than it was trained on"

// trainedData loads the data checkpoint c was trained on: the folder it
// recorded, unless --data-dir (opts.DataDir) names another. other is set
// when the data used is not the data trained on (its SHA-256 differs);
// only an explicit --data-dir may lead there. Without --data-dir, a
// recorded folder that is gone or now holds other data is an error naming
// both. Checkpoints that record no folder use the usual search.
func trainedData(e *env, c *checkpoint.Checkpoint, opts data.LocateOptions) (m *data.MNIST, other bool, err error) {
	saved, dir := train.TrainedOn(c)
	explicit := opts.DataDir != ""
	if !explicit && dir != "" {
		if _, err := os.Stat(dir); err != nil {
			return nil, false, fmt.Errorf("%s was trained on the data in %s, which is no longer there (%v); pass --data-dir to use other data", c.Dir, data.ShowDir(dir), err)
		}
		opts.DataDir = dir
	}
	if m, err = loadMNIST(e, opts); err != nil {
		return nil, false, err
	}
	if !explicit && dir != "" {
		m.Source = "the run's data folder"
		if bundled, err := data.ModuleDataDir(); err == nil && bundled == dir {
			m.Source = data.SourceModule
		}
	}
	if saved == "" || train.DatasetID(m) == saved {
		return m, false, nil
	}
	if !explicit && dir != "" {
		return nil, false, fmt.Errorf("%s was trained on the data in %s, which now holds other data (dataset SHA-256 %.12s…, trained on %.12s…); pass --data-dir to evaluate on other data",
			c.Dir, data.ShowDir(dir), train.DatasetID(m), saved)
	}
	return m, true, nil
}
