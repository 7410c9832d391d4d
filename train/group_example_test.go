package train_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"sync"

	"github.com/neurona/neurona/data"
	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train"
	"github.com/neurona/neurona/train/backend"
	"github.com/neurona/neurona/train/config"
	"github.com/neurona/neurona/train/runfolder"
)

// ExampleGroup trains three learning rates of a small MLP side by side in
// one program: each member calls the group's Run from a goroutine of its
// own, as it would call train.Run, and gets its own run folder and
// summary (a run's alone: it evaluates, resumes and serves as any run).
func ExampleGroup() {
	mnist, err := data.Load(context.Background(), data.LocateOptions{})
	if err != nil {
		log.Fatal(err)
	}
	mnist.Train, mnist.Test = mnist.Train.First(5000), mnist.Test.First(1000)
	dir, err := os.MkdirTemp("", "neurona-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	rates := []float64{3e-3, 6e-3, 1e-2}
	if key, why := train.GroupKey(config.Defaults(models.MLP)); key == "" {
		log.Fatalf("the default MLP cannot train in a group: %s", why)
	}
	group := train.NewGroup(len(rates))
	summaries := make([]*runfolder.Summary, len(rates))
	var wg sync.WaitGroup
	for i, lr := range rates {
		cfg := config.Defaults(models.MLP)
		cfg.Model.Hidden, cfg.BatchSize, cfg.LR, cfg.Epochs, cfg.Backend = []int{64}, 64, lr, 1, backend.Go
		cfg.RunDir = filepath.Join(dir, fmt.Sprintf("lr-%g", lr))
		wg.Go(func() {
			s, err := group.Run(context.Background(), cfg, mnist, train.Options{})
			if err != nil {
				log.Fatal(err)
			}
			summaries[i] = s
		})
	}
	wg.Wait()
	for i, s := range summaries {
		fmt.Printf("lr %g: %d epoch in a group of %d, %s, test accuracy over 80%%: %v\n",
			rates[i], s.Epochs, s.Group, filepath.Base(s.RunDir), *s.TestAccuracy > 0.8)
	}
	// Output:
	// lr 0.003: 1 epoch in a group of 3, lr-0.003, test accuracy over 80%: true
	// lr 0.006: 1 epoch in a group of 3, lr-0.006, test accuracy over 80%: true
	// lr 0.01: 1 epoch in a group of 3, lr-0.01, test accuracy over 80%: true
}

// ExampleMaxMembers sizes a group by the machine's memory: every member
// holds its own weights, optimizer state and activations, so a shape
// that trains alone may not train 64 times over.
func ExampleMaxMembers() {
	cfg := config.Defaults(models.MLP)
	if err := cfg.Validate(); err != nil {
		log.Fatal(err)
	}
	n := train.MaxMembers(cfg) // 1 to train.MaxGroup; the most when the memory is unknown
	fmt.Println("a group of MaxMembers fits:", train.GroupFits(cfg, n) == nil)

	huge := cfg
	huge.Model.Hidden = []int{1_000_000, 1_000_000}
	err := train.GroupFits(huge, 2)
	var me *train.MemoryError
	fmt.Println("two of 2 layers of a million units refused:", errors.As(err, &me) && me.Members == 2)
	// Output:
	// a group of MaxMembers fits: true
	// two of 2 layers of a million units refused: true
}
