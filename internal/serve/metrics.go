package serve

import (
	"fmt"
	"sync"
	"time"

	"github.com/neurona/neurona/train/runfolder"
)

// maxMetricsBytes bounds metrics.jsonl, as runfolder.ReadMetrics does: a line
// is about 250 bytes, so a run of a hundred thousand epochs writes some
// 25 MB.
const maxMetricsBytes = 64 << 20

// metrics is a run's metrics.jsonl, parsed.
type metrics struct {
	Epochs  []runfolder.EpochMetrics
	Steps   []runfolder.StepMetrics
	Damaged int // lines skipped
	Size    int64
	ModTime time.Time
}

// etag names this version of the file, for conditional requests.
func (m *metrics) etag() string {
	return fmt.Sprintf(`"m-%d-%d"`, m.Size, m.ModTime.UnixNano())
}

// bestVal is the highest validation accuracy of any epoch, or nil.
func (m *metrics) bestVal() *float64 {
	var best *float64
	for _, e := range m.Epochs {
		if e.ValAccuracy != nil && (best == nil || *e.ValAccuracy > *best) {
			v := *e.ValAccuracy
			best = &v
		}
	}
	return best
}

// metricsCache keeps the last parse of each run's metrics.jsonl: the pages
// poll it every second or two, and it changes once an epoch.
type metricsCache struct {
	mu   sync.Mutex
	runs map[string]*metrics
}

// read returns r's metrics, parsing metrics.jsonl again only when its size
// or modification time changed. A run without the file has no epochs.
func (c *metricsCache) read(r *run) (*metrics, error) {
	fi, err := r.stat(metricsFile)
	if err != nil {
		if isNotExist(err) {
			return parseMetrics(nil), nil
		}
		return nil, err
	}
	c.mu.Lock()
	m, ok := c.runs[r.name]
	c.mu.Unlock()
	if ok && m.Size == fi.Size() && m.ModTime.Equal(fi.ModTime()) {
		return m, nil
	}
	raw, fi, err := r.readFile(metricsFile, maxMetricsBytes)
	if err != nil {
		return nil, err
	}
	m = parseMetrics(raw)
	m.Size, m.ModTime = fi.Size(), fi.ModTime()
	c.mu.Lock()
	if c.runs == nil {
		c.runs = map[string]*metrics{}
	}
	c.runs[r.name] = m
	c.mu.Unlock()
	return m, nil
}

// parseMetrics parses metrics.jsonl as runfolder.ReadMetrics does (which reads
// by path, and the server reads only through the run's os.Root): its epoch
// and step lines; a damaged line, such as the half-written last line of a
// run being trained, is skipped and counted.
func parseMetrics(raw []byte) *metrics {
	run, damaged := runfolder.ParseMetrics(metricsFile, raw)
	m := &metrics{Epochs: run.Epochs, Steps: run.Steps, Damaged: len(damaged)}
	if m.Epochs == nil {
		m.Epochs = []runfolder.EpochMetrics{}
	}
	if m.Steps == nil {
		m.Steps = []runfolder.StepMetrics{}
	}
	return m
}
