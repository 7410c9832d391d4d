// Package viz draws neurona's pictures: digit grids, the confusion matrix,
// learning curves, activation functions and first-layer weights. Each
// picture is a plain function from data to an image.Image; WritePNG writes
// one (atomically: a temporary file, then a rename) and EncodePNG returns
// its bytes, for report.html's data: URIs.
//
// The pictures, one file each:
//
//   - grid.go: DigitGrid, MNIST digits scaled up as dark ink on white, each
//     with a caption (Cell). data show, the misclassified and the correct
//     samples are grids.
//   - confusion.go: ConfusionImage, a heat map of a confusion matrix with
//     the counts, per-class recall and precision.
//   - curves.go: Curves, loss and accuracy per epoch, training against
//     validation, from metrics.jsonl (ReadMetrics); drawn with gonum/plot.
//   - activations.go: ActivationCurves evaluates the models' activations
//     and their derivatives through GoMLX (models.Activate and autodiff);
//     Activations plots them with gonum/plot.
//   - weights.go: Explain picks the weights of a checkpoint's layer on the
//     pixels (the perceptron's per-digit rows, an MLP's strongest first
//     layer units); WeightImage draws them as 28x28 maps on a diverging
//     red-white-blue scale.
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
//	paths, warnings, err := viz.RunPictures(runDir, mnist.Test, ev)
//
// and for any grid of digits:
//
//	cells := []viz.Cell{{Pixels: set.Image(0), Caption: "5", Detail: "#0"}}
//	err := viz.WritePNG("samples.png", viz.DigitGrid(cells, 10, 3))
package viz
