package sweep

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// barrier lets n callers through once all n have arrived; a caller that
// waits longer than a test should take gives up (the units it stands for
// did not train at once).
type barrier struct {
	mu      sync.Mutex
	n, in   int
	maxIn   int
	arrived chan struct{}
}

func newBarrier(n int) *barrier { return &barrier{n: n, arrived: make(chan struct{})} }

func (b *barrier) wait(ctx context.Context) error {
	b.mu.Lock()
	b.in++
	b.maxIn = max(b.maxIn, b.in)
	if b.in == b.n {
		close(b.arrived)
	}
	b.mu.Unlock()
	defer func() { b.mu.Lock(); b.in--; b.mu.Unlock() }()
	select {
	case <-b.arrived:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(time.Minute): // a guard, never reached when the trials run at once
		return errors.New("the other trials never started: not trained at once")
	}
}

// With Jobs 2, two trials train at once, never more, and every trial's
// result is recorded and printed.
func TestRunJobsTrainsTrialsAtOnce(t *testing.T) {
	s := newSweep(t, "--lr", "0.1,0.2,0.3,0.4", "--epochs", "1")
	var mu sync.Mutex
	first := newBarrier(2) // the first two meet; the other two follow
	inFlight, most := 0, 0
	train := func(ctx context.Context, args []string) error {
		mu.Lock()
		inFlight++
		most = max(most, inFlight)
		mu.Unlock()
		defer func() { mu.Lock(); inFlight--; mu.Unlock() }()
		if strings.Contains(strings.Join(args, " "), "trial-001") || strings.Contains(strings.Join(args, " "), "trial-002") {
			if err := first.wait(ctx); err != nil {
				return err
			}
		}
		return (&fakeTrain{}).train(ctx, args)
	}
	var out bytes.Buffer
	if err := s.RunWith(context.Background(), Runner{Train: train, Jobs: 2, Out: &out}); err != nil {
		t.Fatal(err)
	}
	if most != 2 {
		t.Errorf("%d trials trained at once, want 2", most)
	}
	for _, e := range s.Trials {
		if e.Result.Status != Finished {
			t.Errorf("%s: %s (%s)", e.Name, e.Result.Status, e.Result.Error)
		}
	}
	if n := strings.Count("\n"+out.String(), "\ntrial "); n != 4 {
		t.Errorf("%d trial lines, want 4:\n%s", n, out.String())
	}
}

// The members of a group train together: Runner.Group is asked for the
// members that still have work, every member calls its function from a
// goroutine of its own, each gets its own result; trials planned alone
// train with Train.
func TestRunGroupTrainsMembersTogether(t *testing.T) {
	s := groupedSweep(t, []string{"a", "a", "a", ""}, 64)
	s.Trials[1].Result.Status = Finished // done before a resume
	var mu sync.Mutex
	var sizes []int
	alone := 0
	r := Runner{
		Train: func(ctx context.Context, args []string) error {
			mu.Lock()
			alone++
			mu.Unlock()
			return (&fakeTrain{}).train(ctx, args)
		},
		Group: func(n int) TrainFunc {
			mu.Lock()
			sizes = append(sizes, n)
			mu.Unlock()
			b := newBarrier(n)
			return func(ctx context.Context, args []string) error {
				if err := b.wait(ctx); err != nil {
					return err
				}
				return (&fakeTrain{}).train(ctx, args)
			}
		},
		Out: &bytes.Buffer{},
	}
	if err := s.RunWith(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	if len(sizes) != 1 || sizes[0] != 2 || alone != 1 {
		t.Errorf("groups of %v and %d trials alone; want one group of the 2 members left and 1 alone", sizes, alone)
	}
	for _, e := range s.Trials {
		if e.Result.Status != Finished {
			t.Errorf("%s: %s (%s)", e.Name, e.Result.Status, e.Result.Error)
		}
	}
}

// A signal while two trials train marks both interrupted, leaves the rest
// pending, and RunWith returns once both have returned.
func TestRunJobsInterrupted(t *testing.T) {
	s := newSweep(t, "--lr", "0.1,0.2,0.3", "--epochs", "1")
	ctx, cancel := context.WithCancel(context.Background())
	both := newBarrier(2)
	var returned sync.WaitGroup
	returned.Add(2)
	train := func(ctx context.Context, args []string) error {
		defer returned.Done()
		if err := both.wait(ctx); err != nil {
			return err
		}
		cancel()
		<-ctx.Done()
		return ctx.Err()
	}
	err := s.RunWith(ctx, Runner{Train: train, Jobs: 2, Out: &bytes.Buffer{}})
	returned.Wait() // already: RunWith waits for both
	got := []string{s.Trials[0].Result.Status, s.Trials[1].Result.Status, s.Trials[2].Result.Status}
	if !errors.Is(err, context.Canceled) || strings.Join(got, " ") != "interrupted interrupted pending" {
		t.Errorf("RunWith = %v, statuses %q; want canceled and interrupted interrupted pending", err, got)
	}
}

// When sweep.json cannot be written after a trial, the trial training
// beside it is stopped, and RunWith returns the error.
func TestRunJobsStopsWhenSweepJSONCannotBeSaved(t *testing.T) {
	s := newSweep(t, "--lr", "0.1,0.2,0.3", "--epochs", "1")
	both := newBarrier(2)
	train := func(ctx context.Context, args []string) error {
		if err := both.wait(ctx); err != nil {
			return err
		}
		if strings.Contains(strings.Join(args, " "), "trial-001") {
			// sweep.json becomes a folder: the next save cannot replace it.
			path := filepath.Join(s.Dir(), File)
			if err := os.Remove(path); err != nil {
				return err
			}
			return os.MkdirAll(filepath.Join(path, "x"), 0o755)
		}
		<-ctx.Done() // trial 2 trains until stopped
		return ctx.Err()
	}
	err := s.RunWith(context.Background(), Runner{Train: train, Jobs: 2, Out: &bytes.Buffer{}})
	if err == nil || errors.Is(err, context.Canceled) || s.Trials[2].Result.Status != Pending {
		t.Errorf("RunWith = %v, trial 3 %s; want the save's error and trial 3 not started", err, s.Trials[2].Result.Status)
	}
}
