package sweep

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"
)

// TrainFunc trains one trial: `neurona train` with args, in this process
// or another. It returns when the run has finished, failed or stopped.
type TrainFunc func(ctx context.Context, args []string) error

// Runner is how Run trains the sweep's trials.
type Runner struct {
	// Train trains a trial alone.
	Train TrainFunc
	// Group returns the TrainFunc that the n members of one group each
	// call, every one from a goroutine of its own, to be trained together
	// in one program. Nil: each member trains with Train, side by side.
	Group func(n int) TrainFunc
	// Jobs is how many units (a group, or a trial alone) train at once;
	// 0: the sweep's recorded Jobs, or 1.
	Jobs int
	// Out gets a line per trial finished.
	Out io.Writer
}

// Run trains every trial not yet finished with trainFn, one after the
// other: RunWith with the sweep's recorded Jobs and no groups' function.
func (s *Sweep) Run(ctx context.Context, trainFn TrainFunc, out io.Writer) error {
	return s.RunWith(ctx, Runner{Train: trainFn, Out: out})
}

// RunWith trains every trial not yet finished, a unit at a time or
// r.Jobs units at once: a unit is the members of a group that still have
// work, trained together through r.Group, or a trial alone. sweep.json is
// saved as each trial starts and ends, and a line printed to r.Out per
// trial finished. A trial with a checkpoint continues from it (--resume),
// one without starts in its folder, and one whose folder holds a finished
// run (finished before the sweep could record it, or recorded failed by an
// older neurona) is recorded as finished, so that nothing is lost or done
// twice. A failed trial (train returned an error) is recorded and the
// sweep goes on; the next Run tries it again, unless it diverged (trying
// again would diverge again). When ctx is cancelled no unit starts, every
// trial in progress is marked interrupted, and RunWith returns ctx.Err()
// once all have returned. When sweep.json cannot be written, the trials in
// progress are stopped the same way and RunWith returns that error.
func (s *Sweep) RunWith(ctx context.Context, r Runner) error {
	units := s.units()
	todo := 0
	for _, u := range units {
		todo += len(u.trials)
	}
	if todo < len(s.Trials) && todo > 0 {
		fmt.Fprintf(r.Out, "sweep    %s: %d of %d trials done, %d to go\n", s.dir, len(s.Trials)-todo, len(s.Trials), todo)
	}
	jobs := r.Jobs
	if jobs < 1 {
		jobs = max(1, s.Jobs)
	}
	// Cancelled with the error of a trial whose result could not be saved:
	// the others stop rather than train on unrecorded.
	runCtx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	p := &pace{start: time.Now(), todo: todo}
	slots := make(chan struct{}, min(jobs, max(1, len(units))))
	var wg sync.WaitGroup
	for _, u := range units {
		select {
		case slots <- struct{}{}:
		case <-runCtx.Done():
		}
		if runCtx.Err() != nil {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			if err := s.runUnit(runCtx, u, r, p); err != nil {
				stop(err)
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	if runCtx.Err() != nil {
		return context.Cause(runCtx)
	}
	return nil
}

// runUnit trains the unit u's trials at once.
func (s *Sweep) runUnit(ctx context.Context, u unit, r Runner, p *pace) error {
	// A trial found finished on disk needs no training; the others, and
	// only they, make up the group (every member must train).
	var members []int
	for _, i := range u.trials {
		if res, ok := finishedResult(s.TrialDir(s.Trials[i].Trial)); ok {
			if err := s.record(i, res); err != nil {
				return err
			}
			continue
		}
		members = append(members, i)
	}
	if len(members) == 0 {
		return nil
	}
	trainFn := r.Train
	if u.group && r.Group != nil {
		trainFn = r.Group(len(members))
	}
	left := &unitLeft{n: len(members)}
	if len(members) == 1 {
		return s.runTrial(ctx, members[0], trainFn, r.Out, p, left)
	}
	errs := make([]error, len(members))
	var wg sync.WaitGroup
	for k, i := range members {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[k] = s.runTrial(ctx, i, trainFn, r.Out, p, left)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// unitLeft counts the trials of a unit still training (under Sweep.mu).
type unitLeft struct{ n int }

// TrainArgs are the train flags trial i runs with when it starts in its
// folder: its planned flags, the --shards the sweep chose, --run-dir.
func (s *Sweep) TrainArgs(i int) []string {
	e := s.Trials[i]
	args := append([]string{}, e.Args...)
	if e.Shards > 0 {
		args = append(args, "--shards="+strconv.Itoa(e.Shards))
	}
	return append(args, "--run-dir="+s.TrialDir(e.Trial))
}

// runTrial trains trial i with trainFn and records its result; the error
// is sweep.json's, if it could not be saved.
func (s *Sweep) runTrial(ctx context.Context, i int, trainFn TrainFunc, out io.Writer, p *pace, left *unitLeft) error {
	dir := s.TrialDir(s.Trials[i].Trial)
	args := s.TrainArgs(i)
	if hasCheckpoint(dir) {
		args = []string{"--resume=" + dir}
	}
	if err := s.record(i, Result{Status: Running}); err != nil {
		return err
	}
	start := time.Now()
	err := trainFn(ctx, args)
	took := time.Since(start)
	if ctx.Err() != nil {
		return s.record(i, Result{Status: Interrupted})
	}
	res := resultOf(dir, err)
	res.WallSeconds = took.Seconds()
	res.Finished = time.Now().UTC()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Trials[i].Result = res
	if err := s.save(); err != nil {
		return err
	}
	left.n--
	estimate := ""
	if left.n == 0 { // the other members of its group finish with it
		estimate = p.eta()
	} else {
		p.ran++
	}
	fmt.Fprintf(out, "trial %d/%d  %s  %s  %.1fs%s\n", i+1, len(s.Trials), settingsLine(s.Trials[i].Trial, s.Swept),
		resultLine(res), took.Seconds(), estimate)
	return nil
}

// record sets trial i's result and saves sweep.json.
func (s *Sweep) record(i int, r Result) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Trials[i].Result = r
	return s.save()
}

// pace estimates the time left from the sweep's own pace (under
// Sweep.mu): its wall time so far per trial finished, which counts trials
// trained at once (--jobs, groups) as they overlap.
type pace struct {
	start     time.Time
	todo, ran int
}

// eta counts one more trial finished and returns "  (2 left, about 25s)",
// or "" when none is left.
func (p *pace) eta() string {
	p.ran++
	left := p.todo - p.ran
	if left <= 0 {
		return ""
	}
	rest := time.Duration(int64(time.Since(p.start)) / int64(p.ran) * int64(left)).Round(time.Second)
	return fmt.Sprintf("  (%d left, about %s)", left, rest)
}
