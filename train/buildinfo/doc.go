// Package buildinfo says how the running binary was built (Get): neurona's
// version (set with -ldflags "-X .../train/buildinfo.Version=..."), Go's,
// GOEXPERIMENT and GoMLX's version. Every run records it.
package buildinfo
