// Package viz draws neurona's pictures: image grids, the confusion matrix,
// learning curves, activation functions and first-layer weights. Each
// picture is a plain function from data to an image.Image; WritePNG writes
// one (atomically: a temporary file, then a rename) and EncodePNG returns
// its bytes, for report.html's data: URIs.
//
// Images are of any size (a dataset's Rows x Cols) and classes are those
// of a data.Classes: named ("cat → dog") or numbered ("4→9"), 2 to 256 of
// them.
//
// The pictures, one file each:
//
//   - grid.go: DigitGrid, images scaled up as dark ink on white, each with
//     a caption (Cell); tile.go sizes them (TileSize: images larger than
//     MaxTile pixels a side are shrunk). data show, the misclassified and
//     the correct samples are grids.
//   - confusion.go: ConfusionImage, a heat map of a confusion matrix
//     with the counts, per-class recall and precision, its cells shrinking
//     for many classes.
//   - curves.go: Curves, loss and accuracy per epoch, training against
//     validation, from metrics.jsonl (ReadMetrics); drawn with gonum/plot.
//   - activations.go: ActivationCurves evaluates the models' activations
//     and their derivatives through GoMLX (models.Activate and autodiff);
//     Activations plots them with gonum/plot.
//   - weights.go: Explain picks the weights of a checkpoint's layer on the
//     pixels (the perceptron's per-class rows, an MLP's strongest first
//     layer units); WeightImage draws them as maps of the image's size on
//     a diverging red-white-blue scale.
//   - run.go: RunPictures writes misclassified.png, confusion.png and
//     curves.png into a run folder from an evaluation of the test set.
//
// Text is set in Liberation Sans (embedded, as gonum/plot's charts are), so
// every picture looks the same on every machine and none depends on the
// terminal.
//
// Usage, after evaluating a trained model on the test set:
//
//	ev, err := trained.Evaluate(mnist.Test)
//	...
//	paths, warnings, err := viz.RunPictures(runDir, mnist.Test, ev, trained.Data.Classes)
//
// and for any grid of images:
//
//	cell := viz.ImageCell(set, 0)
//	cell.Caption, cell.Detail = mnist.Classes.Name(int(set.Labels[0])), "#0"
//	err := viz.WritePNG("samples.png", viz.DigitGrid([]viz.Cell{cell}, 10, 3))
package viz
