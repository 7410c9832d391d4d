package main

import (
	"bytes"
	bin "encoding/binary"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/neurona/neurona/train/runfolder"
)

// writeIDX writes an IDX file of unsigned bytes.
func writeIDX(t *testing.T, path string, dims []uint32, values []uint8) {
	t.Helper()
	var b bytes.Buffer
	b.Write([]byte{0, 0, 0x08, byte(len(dims))})
	for _, d := range dims {
		_ = bin.Write(&b, bin.BigEndian, d)
	}
	b.Write(values)
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// noisyDigits writes a small dataset in MNIST's format: n training and
// n/4 test images of 28x28 noise whose class is where a bright square sits.
func noisyDigits(t *testing.T, n int) string {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(9, 9))
	for _, split := range []struct {
		prefix string
		n      int
	}{{"train", n}, {"t10k", n / 4}} {
		images := make([]uint8, split.n*28*28)
		labels := make([]uint8, split.n)
		for i := range labels {
			c := i % 10
			labels[i] = uint8(c)
			img := images[i*784 : (i+1)*784]
			for p := range img {
				img[p] = uint8(rng.IntN(80))
			}
			r0, c0 := 2+(c/5)*12, 2+(c%5)*5
			for r := r0; r < r0+4; r++ {
				for k := c0; k < c0+4; k++ {
					img[r*28+k] = 255
				}
			}
		}
		writeIDX(t, filepath.Join(dir, split.prefix+"-images-idx3-ubyte"), []uint32{uint32(split.n), 28, 28}, images)
		writeIDX(t, filepath.Join(dir, split.prefix+"-labels-idx1-ubyte"), []uint32{uint32(split.n)}, labels)
	}
	return dir
}

// A sweep killed with SIGKILL in the middle of a trial, then resumed,
// ends with every trial's final weights bit-identical to an uninterrupted
// sweep's: the interrupted trial resumes from its checkpoint, finished
// ones are kept, nothing is done twice. The trials train in two groups of
// two (one per batch size), so a killed group resumes as a group: each
// member from its own checkpoint.
func TestSweepSIGKILLThenResume(t *testing.T) {
	if testing.Short() {
		t.Skip("trains 8 runs in subprocesses")
	}
	dataDir := noisyDigits(t, 3000)
	args := []string{"sweep", "--lr", "0.003,0.01", "--batch-size", "32,64", "--hidden", "16", "--epochs", "2",
		"--save-every", "10", "--data-dir", dataDir, "--backend", "go"}
	ref := filepath.Join(t.TempDir(), "reference")
	if out, err := exec.Command(binary, append(args, "--out", ref)...).CombinedOutput(); err != nil {
		t.Fatalf("reference sweep: %v\n%s", err, out)
	}

	dir := filepath.Join(t.TempDir(), "killed")
	cmd := exec.Command(binary, append(args, "--out", dir)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	// Kill once the second trial has saved a checkpoint (not only begun
	// one): in its middle.
	second := runfolder.CheckpointsDir(filepath.Join(dir, "trial-002"))
	deadline := time.After(120 * time.Second)
wait:
	for {
		select {
		case err := <-exited:
			t.Fatalf("the sweep ended (%v) before the kill; make it longer:\n%s", err, out.String())
		case <-deadline:
			t.Fatalf("trial 2 saved no checkpoint in 120 s:\n%s", out.String())
		case <-time.After(5 * time.Millisecond):
			if ckpts, _ := filepath.Glob(filepath.Join(second, "ckpt-*")); len(ckpts) > 0 {
				break wait
			}
		}
	}
	_ = cmd.Process.Kill() // SIGKILL
	<-exited
	if _, err := os.Stat(filepath.Join(dir, "trial-002", "summary.json")); err == nil {
		t.Fatal("trial 2 finished before the kill; make it longer")
	}
	resumed, err := exec.Command(binary, "sweep", "--resume", dir).CombinedOutput()
	if err != nil {
		t.Fatalf("sweep --resume: %v\n%s", err, resumed)
	}
	t.Logf("resumed:\n%s", resumed)
	if !bytes.Contains(resumed, []byte("2 groups (2, 2)")) {
		t.Errorf("the resumed sweep does not train its trials in the groups planned:\n%s", resumed)
	}
	if !regexp.MustCompile(`[12] of 4 trials done, [23] to go`).Match(resumed) {
		t.Errorf("the resumed sweep does not say what was done:\n%s", resumed)
	}
	for _, trial := range []string{"trial-001", "trial-002", "trial-003", "trial-004"} {
		want, wantStep := finalCheckpoint(t, filepath.Join(ref, trial))
		got, gotStep := finalCheckpoint(t, filepath.Join(dir, trial))
		if gotStep != wantStep || !bytes.Equal(got, want) {
			t.Errorf("%s: step %d, weights equal %v; the uninterrupted sweep's step %d", trial, gotStep, bytes.Equal(got, want), wantStep)
		}
		if g, w := epochLosses(t, filepath.Join(dir, trial)), epochLosses(t, filepath.Join(ref, trial)); g != w {
			t.Errorf("%s: metrics differ:\n%s\nwant:\n%s", trial, g, w)
		}
	}
	log, _ := os.ReadFile(filepath.Join(dir, "logs", "trial-002.log"))
	if !bytes.Contains(log, []byte("--resume=")) {
		t.Errorf("trial 2 was not resumed from its checkpoint:\n%s", log)
	}
}
