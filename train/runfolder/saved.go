package runfolder

import (
	"encoding/json"
	"fmt"

	"github.com/neurona/neurona/train/checkpoint"
	"github.com/neurona/neurona/train/config"
)

// SavedConfig reads the configuration the checkpoint folder dir saved in
// its meta.json, checked (the manifest and meta.json; the weights are not
// read) and validated: what a run still training, or a crashed one, was
// started with.
func SavedConfig(dir string) (config.Config, error) {
	b, err := checkpoint.ReadMeta(dir)
	if err != nil {
		return config.Config{}, err
	}
	var meta struct {
		Config config.Config `json:"config"`
	}
	if err := json.Unmarshal(b, &meta); err != nil {
		return config.Config{}, fmt.Errorf("checkpoint %s: %s: %w", dir, checkpoint.MetaFile, err)
	}
	cfg := meta.Config
	if err := cfg.Validate(); err != nil {
		return cfg, fmt.Errorf("saved configuration of %s: %w", dir, err)
	}
	return cfg, nil
}
