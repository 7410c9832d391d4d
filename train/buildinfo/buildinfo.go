package buildinfo

import (
	"runtime"
	"runtime/debug"
)

// Version of neurona, set by the Makefile at link time.
var Version = "dev"

// Info records how the binary was built.
type Info struct {
	Version      string `json:"neurona_version"`
	GoVersion    string `json:"go_version"`
	GOEXPERIMENT string `json:"goexperiment"`
	GoMLX        string `json:"gomlx_version"`
	SIMD         bool   `json:"simd"`
	OS, Arch     string
}

// Get describes the running binary.
func Get() Info {
	b := Info{Version: Version, GoVersion: runtime.Version(), SIMD: simdBuild, OS: runtime.GOOS, Arch: runtime.GOARCH}
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			if s.Key == "GOEXPERIMENT" {
				b.GOEXPERIMENT = s.Value
			}
		}
		for _, dep := range info.Deps {
			if dep.Path == "github.com/gomlx/gomlx" {
				b.GoMLX = dep.Version
			}
		}
	}
	return b
}
