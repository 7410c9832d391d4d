package models

// AveragedScope is the scope under which a run with averaged weights
// (config.Config.Average) keeps the averaged copy of every trainable
// variable: the average of "/perceptron/dense/weights" is
// "/averaged/perceptron/dense/weights". Checkpoints hold it under that name.
const AveragedScope = "averaged"
