package backend

import (
	"slices"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/shapes"
)

// GoMLX's Go backend (github.com/gomlx/compute v0.1.2) compiles each closure
// (the cond and body of a While, the branches of an If) when the closure
// returns, but rewrites every function of the graph afterwards, when the
// whole computation compiles: its ImplicitBroadcastFusion pass makes a
// binary or unary op read the input of a same-rank BroadcastInDim directly.
// The closure's compiled schedule still counts the uses of the old inputs,
// so the broadcast's input is freed before the rewired op reads it and the
// loop fails with "input 0 for node Mul not computed yet". A training step
// inside a While always has such broadcasts (its gradients do).
//
// closureSafe wraps the Go backend so that, inside closures only, a
// same-rank BroadcastInDim is emitted as a Reshape that drops the size-1
// axes followed by a lower-rank BroadcastInDim. The values are the same; the
// pass no longer applies, so the closure's compiled schedule stays valid.
// The main function is untouched (it compiles after the pass).
//
// GoMLX tensors remember the backend of their buffers and refuse to mix
// backends, so buffers and executables are wrapped too: every buffer the
// wrapper hands out reports the wrapper as its backend.

// closureSafe returns backend wrapped as described above.
func closureSafe(backend compute.Backend) compute.Backend {
	return closureSafeBackend{backend}
}

type closureSafeBackend struct{ compute.Backend }

// Builder implements compute.Backend.
func (b closureSafeBackend) Builder(name string) compute.Builder {
	return &closureSafeBuilder{Builder: b.Backend.Builder(name), backend: b}
}

// BufferFromFlatData implements compute.DataInterface.
func (b closureSafeBackend) BufferFromFlatData(deviceNum compute.DeviceNum, flat any, shape shapes.Shape) (compute.Buffer, error) {
	buf, err := b.Backend.BufferFromFlatData(deviceNum, flat, shape)
	return b.wrap(buf), err
}

// NewSharedBuffer implements compute.DataInterface.
func (b closureSafeBackend) NewSharedBuffer(deviceNum compute.DeviceNum, shape shapes.Shape) (compute.Buffer, any, error) {
	buf, flat, err := b.Backend.NewSharedBuffer(deviceNum, shape)
	return b.wrap(buf), flat, err
}

func (b closureSafeBackend) wrap(buf compute.Buffer) compute.Buffer {
	if buf == nil {
		return nil
	}
	return closureSafeBuffer{Buffer: buf, backend: b}
}

// closureSafeBuffer is a backend buffer that reports the wrapper as its
// backend.
type closureSafeBuffer struct {
	compute.Buffer
	backend closureSafeBackend
}

// Backend implements compute.Buffer.
func (b closureSafeBuffer) Backend() compute.Backend { return b.backend }

// CopyToDevice implements compute.Buffer.
func (b closureSafeBuffer) CopyToDevice(deviceNum compute.DeviceNum) (compute.Buffer, error) {
	buf, err := b.Buffer.CopyToDevice(deviceNum)
	return b.backend.wrap(buf), err
}

// unwrapBuffer returns the backend's own buffer.
func unwrapBuffer(buf compute.Buffer) compute.Buffer {
	if w, ok := buf.(closureSafeBuffer); ok {
		return w.Buffer
	}
	return buf
}

// closureSafeExecutable passes the backend's own buffers to the backend's
// executable and wraps the ones it returns.
type closureSafeExecutable struct {
	compute.Executable
	backend closureSafeBackend
}

// Execute implements compute.Executable.
func (e closureSafeExecutable) Execute(inputs []compute.Buffer, donate []bool, device compute.DeviceNum) ([]compute.Buffer, error) {
	raw := make([]compute.Buffer, len(inputs))
	for i, in := range inputs {
		raw[i] = unwrapBuffer(in)
	}
	outputs, err := e.Executable.Execute(raw, donate, device)
	for i, out := range outputs {
		outputs[i] = e.backend.wrap(out)
	}
	return outputs, err
}

type closureSafeBuilder struct {
	compute.Builder
	backend closureSafeBackend
	main    *closureSafeFunc
}

// Compile implements compute.Builder.
func (b *closureSafeBuilder) Compile() (compute.Executable, error) {
	exe, err := b.Builder.Compile()
	if err != nil {
		return nil, err
	}
	return closureSafeExecutable{Executable: exe, backend: b.backend}, nil
}

// Main implements compute.Builder; it returns the same wrapper every time.
func (b *closureSafeBuilder) Main() compute.Function {
	if b.main == nil {
		b.main = &closureSafeFunc{Function: b.Builder.Main()}
	}
	return b.main
}

// NewFunction implements compute.Builder. Named functions are compiled when
// they return, like closures, so they get the same treatment.
func (b *closureSafeBuilder) NewFunction(name string) (compute.Function, error) {
	f, err := b.Builder.NewFunction(name)
	if err != nil {
		return nil, err
	}
	return &closureSafeFunc{Function: f, early: true}, nil
}

// closureSafeFunc wraps one function of the computation. early marks the
// ones compiled before the graph passes run (closures, named functions).
type closureSafeFunc struct {
	compute.Function
	early bool
}

// unwrap returns the backend's own function, which the backend's control-flow
// ops require.
func unwrap(f compute.Function) compute.Function {
	if w, ok := f.(*closureSafeFunc); ok {
		return w.Function
	}
	return f
}

// Closure implements compute.Function.
func (f *closureSafeFunc) Closure() (compute.Function, error) {
	c, err := f.Function.Closure()
	if err != nil {
		return nil, err
	}
	return &closureSafeFunc{Function: c, early: true}, nil
}

// Call implements compute.Function.
func (f *closureSafeFunc) Call(fn compute.Function, inputs ...compute.Value) ([]compute.Value, error) {
	return f.Function.Call(unwrap(fn), inputs...)
}

// Sort implements compute.Function.
func (f *closureSafeFunc) Sort(comparator compute.Function, axis int, isStable bool, inputs ...compute.Value) ([]compute.Value, error) {
	return f.Function.Sort(unwrap(comparator), axis, isStable, inputs...)
}

// While implements compute.Function.
func (f *closureSafeFunc) While(cond, body compute.Function, initialState ...compute.Value) ([]compute.Value, error) {
	return f.Function.While(unwrap(cond), unwrap(body), initialState...)
}

// If implements compute.Function.
func (f *closureSafeFunc) If(pred compute.Value, trueBranch, falseBranch compute.Function) ([]compute.Value, error) {
	return f.Function.If(pred, unwrap(trueBranch), unwrap(falseBranch))
}

// BroadcastInDim implements compute.Function; see closureSafe.
func (f *closureSafeFunc) BroadcastInDim(x compute.Value, outputShape shapes.Shape, broadcastAxes []int) (compute.Value, error) {
	if !f.early {
		return f.Function.BroadcastInDim(x, outputShape, broadcastAxes)
	}
	xShape, err := f.Builder().OpShape(x)
	if err != nil {
		return nil, err
	}
	if xShape.Rank() != outputShape.Rank() || xShape.IsDynamic() || outputShape.IsDynamic() ||
		len(broadcastAxes) != xShape.Rank() || slices.ContainsFunc(broadcastAxes, func(a int) bool { return a < 0 || a >= outputShape.Rank() }) {
		// Not the case the pass rewrites, or invalid: the backend decides.
		return f.Function.BroadcastInDim(x, outputShape, broadcastAxes)
	}
	var keptDims, keptAxes []int
	for i, d := range xShape.Dimensions {
		if d == 1 && outputShape.Dimensions[broadcastAxes[i]] != 1 {
			continue // an axis the broadcast expands: dropped, then broadcast back.
		}
		keptDims = append(keptDims, d)
		keptAxes = append(keptAxes, broadcastAxes[i])
	}
	reshaped, err := f.Function.Reshape(x, keptDims...)
	if err != nil {
		return nil, err
	}
	if len(keptDims) == xShape.Rank() {
		return reshaped, nil // nothing to expand: same shape, no broadcast node.
	}
	return f.Function.BroadcastInDim(reshaped, outputShape, keptAxes)
}
