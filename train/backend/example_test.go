package backend_test

import (
	"fmt"

	"github.com/neurona/neurona/train/backend"
)

// ExampleList prints the Go backend's line of the list: the XLA plugins
// vary by machine, the Go backend is always there.
func ExampleList() {
	for _, b := range backend.List() {
		if b.Name == backend.Go {
			fmt.Printf("%s available=%v: %s\n", b.Name, b.Available, b.Description)
		}
	}
	// Output: go available=true: GoMLX pure-Go backend (CPU, embedded, no install needed)
}

// ExampleChoose shows a requested name accepted, and a bad one refused
// before anything runs.
func ExampleChoose() {
	name, err := backend.Choose("go:ops_sequential")
	fmt.Println(name, err)
	_, err = backend.Choose("go:parallelism=x")
	fmt.Println(err)
	// Output:
	// go:ops_sequential <nil>
	// backend "go:parallelism=x": parallelism="x": want an integer, -1 (unlimited), 0 or 1 (none) or more workers
}

// ExampleNew starts the Go backend, as the commands do for small graphs.
func ExampleNew() {
	b, name, err := backend.New(backend.Go)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer b.Finalize()
	fmt.Println(name, backend.IsGo(name))
	// Output: go true
}

// ExampleGoFor shows the Go backend's mode for a model of a few
// multiply-adds per example (the perceptron's 7,840) and for a larger one
// (the default MLP's 668,672).
func ExampleGoFor() {
	for _, multiplyAdds := range []float64{7840, 668672} {
		fmt.Printf("%.0f multiply-adds: %s\n", multiplyAdds, backend.GoFor(multiplyAdds))
	}
	// Output:
	// 7840 multiply-adds: go:ops_sequential
	// 668672 multiply-adds: go
}
