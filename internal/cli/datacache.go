package cli

import (
	"fmt"
	"sync"

	"github.com/neurona/neurona/data"
)

// dataCache keeps the data sets a sweep's trials load, so that the
// trials of a group (up to 64 of them, training at once) share one copy of
// the images in memory instead of one each (MNIST: about 55 MB a copy).
// Each load returns a data.MNIST of its own over the shared sets, which
// no run writes: a run names its classes in its own copy (nameData).
type dataCache struct {
	mu   sync.Mutex
	sets map[string]*data.MNIST
}

// load returns the data opts locates, loading it the first time.
func (c *dataCache) load(opts data.LocateOptions, loadFn func(data.LocateOptions) (*data.MNIST, error)) (*data.MNIST, error) {
	// The options that choose the data; the client, logger and getenv
	// are the command's own, the same for every trial.
	key := fmt.Sprintf("%q %q %v %q", opts.DataDir, opts.CacheDir, opts.Download, opts.Mirrors)
	c.mu.Lock()
	defer c.mu.Unlock()
	shared, ok := c.sets[key]
	if !ok {
		var err error
		if shared, err = loadFn(opts); err != nil {
			return nil, err
		}
		if c.sets == nil {
			c.sets = map[string]*data.MNIST{}
		}
		c.sets[key] = shared
	}
	m := *shared
	return &m, nil
}
