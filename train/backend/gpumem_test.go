package backend

import (
	"strings"
	"testing"
)

func TestProcessMemoryMB(t *testing.T) {
	for _, tc := range []struct {
		name string
		csv  string
		pid  int
		want int
		ok   bool
	}{
		{"our line among others", "111, 500\n4242, 1000\n", 4242, 1048, true},
		{"no line for us", "111, 500\n", 4242, 0, false},
		{"empty output (no process on the GPU)", "", 4242, 0, false},
		{"a pid that only starts like ours", "42420, 7\n", 4242, 0, false},
		{"not a number", "4242, [N/A]\n", 4242, 0, false},
		{"no comma", "4242 1000\n", 4242, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := processMemoryMB(tc.csv, tc.pid)
			if got != tc.want || ok != tc.ok {
				t.Errorf("processMemoryMB(%q, %d) = %d, %v; want %d, %v", tc.csv, tc.pid, got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestDescribeGPUMemory(t *testing.T) {
	if got, want := describeGPUMemory("4242, 1000\n", 4242), "1048 MB held on the GPU (nvidia-smi)"; got != want {
		t.Errorf("our line: %q, want %q", got, want)
	}
	if got := describeGPUMemory("111, 500\n", 4242); !strings.Contains(got, "unknown") || !strings.Contains(got, "4242") {
		t.Errorf("another process's line only (a container): %q, want unknown, naming our id", got)
	}
}

func TestDeviceMemoryOnlyForCUDA(t *testing.T) {
	if got := DeviceMemory("go"); got != "" {
		t.Errorf("DeviceMemory(go) = %q, want nothing: the Go backend has no device", got)
	}
}

func TestGPULines(t *testing.T) {
	got := gpuLines("NVIDIA H200, 143771 MiB\n\nNVIDIA H100 80GB HBM3, 81559 MiB\n")
	want := []string{"NVIDIA H200, 143771 MiB", "NVIDIA H100 80GB HBM3, 81559 MiB"}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("gpuLines = %q, want %q", got, want)
	}
	if got := gpuLines("No devices were found\n"); len(got) != 0 {
		t.Errorf("gpuLines of an error text = %q, want none", got)
	}
}

func TestHostMemory(t *testing.T) {
	if gb := HostMemoryGB(); gb < 0 || gb > 1e5 {
		t.Errorf("HostMemoryGB = %g", gb)
	}
}
