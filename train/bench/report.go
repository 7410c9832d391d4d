package bench

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/neurona/neurona/internal/atomicfile"
	"github.com/neurona/neurona/internal/safefile"
	"github.com/neurona/neurona/internal/safejson"
	"github.com/neurona/neurona/train/buildinfo"
)

// Machine describes where a benchmark ran.
type Machine struct {
	CPU          string   `json:"cpu"`
	Cores        int      `json:"cores"`
	GPUs         []string `json:"gpus,omitempty"`
	OS           string   `json:"os"`
	GoVersion    string   `json:"go_version"`
	GoMLX        string   `json:"gomlx_version"`
	GOEXPERIMENT string   `json:"goexperiment"`
	Neurona      string   `json:"neurona_version"`
}

// Report is the --json file.
type Report struct {
	StartedAt   time.Time      `json:"started_at"`
	Machine     Machine        `json:"machine"`
	WhatIsTimed string         `json:"what_is_timed"`
	Config      map[string]any `json:"config"`
	Results     []Result       `json:"results"`
	// Trials are the speeds of groups of trials (bench --trials).
	Trials []TrialResult `json:"trials,omitempty"`
}

// WhatIsTimed is stated in every report.
const WhatIsTimed = "startup: creating the backend; compile: compiling the training and evaluation calls and " +
	"initializing the variables (on xla:cuda, cold or warm: whether XLA's autotuning cache already held " +
	"the kernels' results); " +
	"steady state: after warm-up, training calls back to back on real MNIST batches (host batch assembly with " +
	"prefetch, transfer, the step, and reading the loss back, which synchronizes with the device), repeated, " +
	"median quoted; latency: per step; eval: forward passes on test batches; time to accuracy: from the first " +
	"training step to the end of the first test evaluation at or above the target, evaluations included, " +
	"start-up, data loading and compilation excluded."

// DescribeMachine reads the CPU model and the build.
func DescribeMachine(results []Result) Machine {
	b := buildinfo.Get()
	m := Machine{CPU: cpuModel(), Cores: runtime.NumCPU(), OS: runtime.GOOS + "/" + runtime.GOARCH,
		GoVersion: b.GoVersion, GoMLX: b.GoMLX, GOEXPERIMENT: b.GOEXPERIMENT, Neurona: b.Version}
	seen := map[string]bool{}
	for _, r := range results {
		if strings.HasPrefix(r.Backend, "xla:cuda") && !seen[r.BackendDescription] {
			seen[r.BackendDescription] = true
			m.GPUs = append(m.GPUs, r.BackendDescription)
		}
	}
	return m
}

func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

// WriteJSON writes rep to path.
func WriteJSON(path string, rep Report) error {
	data, err := safejson.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(path, append(data, '\n'))
}

// maxReportBytes bounds a --json report read back: one of every backend,
// batch size and seed is a few tens of kilobytes.
const maxReportBytes = 16 << 20

// ReadJSON reads a --json report (a regular file of at most 16 MB).
func ReadJSON(path string) (Report, error) {
	var rep Report
	data, err := safefile.ReadFile(path, maxReportBytes)
	if err != nil {
		return rep, err
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		return rep, fmt.Errorf("%s: not a neurona bench report: %w", path, err)
	}
	return rep, nil
}
