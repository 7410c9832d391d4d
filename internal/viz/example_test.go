package viz_test

import (
	"fmt"

	"github.com/neurona/neurona/internal/viz"
)

// A grid of two digits, scaled 3 times, with their labels under them.
func ExampleDigitGrid() {
	one := make([]uint8, viz.Side*viz.Side) // MNIST: 0 background, 255 ink
	for y := 4; y < 24; y++ {
		one[y*viz.Side+14] = 255
	}
	img := viz.DigitGrid([]viz.Cell{{Pixels: one, Caption: "1"}, {Pixels: one, Caption: "7→1", Detail: "0.98"}}, 2, 3)
	fmt.Println(img.Bounds().Size())
	// Output:
	// (198,126)
}

// The confusion matrix of a model that mistakes one 1 for a 0.
func ExampleConfusionImage() {
	m := [][]int{{5, 0}, {1, 4}}
	img := viz.ConfusionImage(m)
	fmt.Println(img.Bounds().Dx() > 2*58, img.Bounds().Dy() > 2*58)
	// Output:
	// true true
}
