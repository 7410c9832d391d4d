package viz_test

import (
	"fmt"

	"github.com/neurona/neurona/data"
	"github.com/neurona/neurona/internal/viz"
)

// A grid of two digits, scaled 3 times, with their labels under them.
func ExampleDigitGrid() {
	const side = 28                 // MNIST's images are 28x28
	one := make([]uint8, side*side) // MNIST: 0 background, 255 ink
	for y := 4; y < 24; y++ {
		one[y*side+14] = 255
	}
	img := viz.DigitGrid([]viz.Cell{
		{Pixels: one, Rows: side, Cols: side, Caption: "1"},
		{Pixels: one, Rows: side, Cols: side, Caption: "7→1", Detail: "0.98"},
	}, 2, 3)
	fmt.Println(img.Bounds().Size())
	// Output:
	// (198,126)
}

// Images larger than MaxTile pixels a side are shrunk to fit.
func ExampleTileSize() {
	fmt.Println(viz.TileSize(28, 28, 3))
	fmt.Println(viz.TileSize(1000, 500, 3))
	// Output:
	// 84 84
	// 160 320
}

// The confusion matrix of a model that mistakes one 1 for a 0.
func ExampleConfusionImage() {
	m := [][]int{{5, 0}, {1, 4}}
	img := viz.ConfusionImage(m, data.Classes{N: 2})
	fmt.Println(img.Bounds().Dx() > 2*58, img.Bounds().Dy() > 2*58)
	// Output:
	// true true
}

// The confusion matrix of a model that mistakes a dog for a cat, its rows
// and columns labelled with the names.
func ExampleConfusionImage_named() {
	m := [][]int{{5, 0}, {1, 4}}
	img := viz.ConfusionImage(m, data.Classes{N: 2, Names: []string{"cat", "dog"}})
	fmt.Println(img.Bounds().Dx() > 2*58, img.Bounds().Dy() > 2*58)
	// Output:
	// true true
}
