package backend

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// DeviceMemory describes the GPU memory this process holds, as the NVIDIA
// driver reports it (nvidia-smi), for backends that run on an NVIDIA GPU.
// GoMLX's backends report no device memory themselves. XLA reserves a large
// share of the GPU up front for its allocator, so this is what the process
// holds, not what the model needs. It returns "" for other backends, and
// says "unknown" with the reason when nvidia-smi cannot tell.
func DeviceMemory(name string) string {
	if !strings.HasPrefix(name, "xla:cuda") {
		return ""
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "nvidia-smi", "--query-compute-apps=pid,used_memory",
		"--format=csv,noheader,nounits").Output()
	if err != nil {
		return fmt.Sprintf("GPU memory held: unknown (nvidia-smi: %v)", err)
	}
	return describeGPUMemory(string(out), os.Getpid())
}

// describeGPUMemory says what nvidia-smi's "pid, used_memory" CSV tells of
// process pid.
func describeGPUMemory(csv string, pid int) string {
	mb, ok := processMemoryMB(csv, pid)
	if !ok {
		// In a container the driver lists the host's process ids, not ours.
		return fmt.Sprintf("GPU memory held: unknown (nvidia-smi lists no process %d; in a container it shows the host's ids)", pid)
	}
	return fmt.Sprintf("%d MB held on the GPU (nvidia-smi)", mb)
}

// nvidiaGPUs lists the GPUs as the NVIDIA driver describes them ("NVIDIA
// H200, 143771 MiB"), in device order, or nothing without nvidia-smi.
func nvidiaGPUs() []string {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "nvidia-smi", "--query-gpu=name,memory.total",
		"--format=csv,noheader").Output()
	if err != nil {
		return nil
	}
	return gpuLines(string(out))
}

// gpuLines turns nvidia-smi's "name, memory" CSV lines into descriptions.
func gpuLines(csv string) []string {
	var gpus []string
	for line := range strings.SplitSeq(csv, "\n") {
		name, mem, ok := strings.Cut(strings.TrimSpace(line), ",")
		if !ok || strings.TrimSpace(name) == "" {
			continue
		}
		gpus = append(gpus, strings.TrimSpace(name)+", "+strings.TrimSpace(mem))
	}
	return gpus
}

// HostMemoryGB is the machine's memory (MemTotal in /proc/meminfo) in GB,
// 0 if unknown.
func HostMemoryGB() float64 {
	raw, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(raw), "\n") {
		if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			kb, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
			if err != nil {
				return 0
			}
			return float64(kb) * 1024 / 1e9
		}
	}
	return 0
}

// processMemoryMB finds pid's line in nvidia-smi's "pid, used_memory" CSV
// (MiB, no header, no units) and returns its memory in MB.
func processMemoryMB(csv string, pid int) (int, bool) {
	for line := range strings.SplitSeq(csv, "\n") {
		p, mem, ok := strings.Cut(line, ",")
		if !ok {
			continue
		}
		if n, err := strconv.Atoi(strings.TrimSpace(p)); err != nil || n != pid {
			continue
		}
		mib, err := strconv.Atoi(strings.TrimSpace(mem))
		if err != nil || mib < 0 {
			return 0, false
		}
		return mib * (1 << 20) / 1_000_000, true
	}
	return 0, false
}
