//go:build !goexperiment.simd

package buildinfo

// simdBuild reports whether the binary was built with GOEXPERIMENT=simd,
// which lets GoMLX's Go backend use AVX2/AVX-512 kernels.
const simdBuild = false
