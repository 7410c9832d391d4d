package train

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train/config"
)

// TestCheckRefusesWhatRunRefusesBeforeItsFolder: Check refuses a recipe
// with Run's own error, and Run, given it, makes no run folder; a recipe
// Run can start passes Check.
func TestCheckRefusesWhatRunRefusesBeforeItsFolder(t *testing.T) {
	m := smallMNIST(t, 100, 20)
	for _, tc := range []struct {
		name    string
		change  func(*config.Config)
		refused bool
	}{
		{"a batch larger than the training split, last batch dropped, is refused", func(c *config.Config) { c.BatchSize, c.DropLast = 1000, true }, true},
		{"a validation split that leaves no training example is refused", func(c *config.Config) { c.ValSplit = 0.999 }, true},
		{"a batch larger than the training split, last batch kept, passes", func(c *config.Config) { c.BatchSize = 1000 }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := config.Defaults(models.MLP)
			cfg.Model.Hidden, cfg.Epochs, cfg.Backend = []int{8}, 1, "go"
			cfg.RunDir = filepath.Join(t.TempDir(), "run")
			tc.change(&cfg)
			err := Check(cfg, m)
			if !tc.refused {
				if err != nil {
					t.Fatalf("Check: %v; want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatal("Check accepted it; want Run's refusal")
			}
			_, runErr := Run(context.Background(), cfg, m, Options{})
			if runErr == nil || runErr.Error() != err.Error() {
				t.Errorf("Check: %v\nRun:   %v\nwant the same error", err, runErr)
			}
			if _, statErr := os.Lstat(cfg.RunDir); !os.IsNotExist(statErr) {
				t.Errorf("Run of a refused recipe made %s (%v)", cfg.RunDir, statErr)
			}
		})
	}
}
