package cli

import (
	"testing"

	"github.com/neurona/neurona/data"
)

func TestDataCacheLoadsEachDataSetOnce(t *testing.T) {
	var c dataCache
	loads := 0
	loadFn := func(opts data.LocateOptions) (*data.MNIST, error) {
		loads++
		return &data.MNIST{Dir: opts.DataDir, Train: &data.Set{N: loads}, Classes: data.Classes{N: 2, Names: []string{"a", "b"}}}, nil
	}
	first, err := c.load(data.LocateOptions{DataDir: "one"}, loadFn)
	if err != nil {
		t.Fatal(err)
	}
	second, _ := c.load(data.LocateOptions{DataDir: "one"}, loadFn)
	other, _ := c.load(data.LocateOptions{DataDir: "two"}, loadFn)
	if loads != 2 {
		t.Errorf("%d loads for two data sets, want 2", loads)
	}
	if first == second || first.Train != second.Train {
		t.Errorf("two trials of one data set: their own MNIST %v, the same sets %v; want true, true", first != second, first.Train == second.Train)
	}
	if other.Train == first.Train || other.Dir != "two" {
		t.Errorf("another --data-dir got the first one's sets")
	}
	second.Classes = data.Classes{N: 1, Names: []string{"x"}} // a run names its classes in its own copy
	if first.Classes.Names[0] != "a" {
		t.Errorf("a trial's classes changed another's: %q", first.Classes.Names)
	}
}
