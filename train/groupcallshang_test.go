package train

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// An evaluation through the group's shared calls that never returns (a
// backend that deadlocks) holds the calls' lock for good: each member's
// watchdog abandons its evaluation, and every member's run ends with the
// abandoned call's error. The last member to leave ends the group without
// waiting for the hung call (freeing the calls there waited on it forever,
// with the group's lock held).
func TestGroupSharedEvaluationThatHangsIsAbandoned(t *testing.T) {
	m := smallMNIST(t, 1100, 200)
	cfgs := groupRecipes("adam")[:2]
	g := NewGroup(len(cfgs))
	g.share = true
	var compiled atomic.Int32
	release := make(chan struct{})
	defer close(release)
	// The warm-up's evaluation (before Compiled) runs; the first one after
	// every member compiled hangs, holding the calls.
	g.shared = &sharedCalls{hang: func() {
		if compiled.Load() == int32(len(cfgs)) {
			<-release
		}
	}}
	count := func(ev Event) {
		if _, ok := ev.(Compiled); ok {
			compiled.Add(1)
		}
	}
	errs := make([]error, len(cfgs))
	var wg sync.WaitGroup
	for i, cfg := range cfgs {
		cfg.RunDir, cfg.Backend = filepath.Join(t.TempDir(), "run"), "go"
		wg.Go(func() {
			_, errs[i] = g.Run(context.Background(), cfg, m, Options{Observers: []Observer{count},
				watchdog: watchdogOptions{floor: 200 * time.Millisecond}})
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(time.Minute): // the members' calls are abandoned within a second
		t.Fatal("the members' runs did not return: the group waited on the hung evaluation")
	}
	for i, err := range errs {
		if !errors.Is(err, ErrCallAbandoned) {
			t.Errorf("member %d: %v, want its call abandoned", i, err)
		}
	}
}
