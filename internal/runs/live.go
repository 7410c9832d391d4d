package runs

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/neurona/neurona/train"
	"github.com/neurona/neurona/train/checkpoint"
)

// maxMetaBytes bounds the meta.json liveConfig reads (a real one is a few
// kB): a list must not read an arbitrary file whole.
const maxMetaBytes = 1 << 20

// liveConfig is the configuration a run without summary.json saved in
// its newest checkpoint's meta.json (only its manifest is checked, as
// checkpoint.List does), so that a run still training, or a crashed one,
// lists its model and recipe. ok is false before its first checkpoint or
// when the file cannot be read.
func liveConfig(dir string) (cfg train.Config, ok bool) {
	infos, err := checkpoint.List(filepath.Join(dir, "checkpoints"), false)
	if err != nil || len(infos) == 0 {
		return cfg, false
	}
	var meta struct {
		Config train.Config `json:"config"`
	}
	if err := readBounded(filepath.Join(infos[len(infos)-1].Dir, checkpoint.MetaFile), &meta); err != nil {
		return cfg, false
	}
	return meta.Config, true
}

// readBounded decodes the JSON file path into v, refusing a file larger
// than maxMetaBytes or one that is not a regular file.
func readBounded(path string, v any) error {
	fi, err := os.Lstat(path)
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxMetaBytes+1))
	if err != nil {
		return err
	}
	if len(b) > maxMetaBytes {
		return fmt.Errorf("%s: larger than %d bytes", path, maxMetaBytes)
	}
	return json.Unmarshal(b, v)
}
