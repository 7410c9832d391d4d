package runs

import (
	"path/filepath"

	"github.com/neurona/neurona/train/checkpoint"
	"github.com/neurona/neurona/train/config"
	"github.com/neurona/neurona/train/runfolder"
)

// liveConfig is the configuration a run without summary.json saved in
// its newest checkpoint (runfolder.SavedConfig: the manifest and meta.json
// checked, the weights not read), so that a run still training, or a
// crashed one, lists its model and recipe. ok is false before its first
// checkpoint or when that checkpoint's files are refused.
func liveConfig(dir string) (cfg config.Config, ok bool) {
	infos, err := checkpoint.List(filepath.Join(dir, "checkpoints"), false)
	if err != nil || len(infos) == 0 {
		return cfg, false
	}
	cfg, err = runfolder.SavedConfig(infos[len(infos)-1].Dir)
	return cfg, err == nil
}
