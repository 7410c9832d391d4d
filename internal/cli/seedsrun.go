package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/neurona/neurona/data"
	"github.com/neurona/neurona/internal/safefile"
	"github.com/neurona/neurona/train"
	"github.com/neurona/neurona/train/checkpoint"
	"github.com/neurona/neurona/train/runfolder"
)

// seedLog is the file of a seed's run folder that holds its output, for
// every seed but the one shown.
const seedLog = "train.log"

// seedMember is one seed of `train --seeds`.
type seedMember struct {
	seed uint64
	dir  string    // its run folder
	log  *os.File  // its output; nil for the seed shown on the terminal
	job  *trainJob // nil: nothing to train (finished before) or failed before training

	summary *runfolder.Summary // when trained, or read back when finished before
	err     error              // what stopped it; nil when it finished
	started bool               // its training was called
}

// prepareSeeds makes every seed's run folder, log and trainJob, so that
// the group is sized by the seeds that will train: a seed that finished
// before keeps its summary, a seed that fails before training (a damaged
// checkpoint) keeps its error, and neither is counted. An error returned
// stops everything: the folders could not be made.
func prepareSeeds(e *env, o *trainOptions, shared *data.MNIST, parent string) ([]*seedMember, error) {
	members := make([]*seedMember, 0, len(o.seeds))
	for i, seed := range o.seeds {
		m := &seedMember{seed: seed, dir: seedDir(parent, seed)}
		members = append(members, m)
		if err := os.MkdirAll(m.dir, 0o755); err != nil {
			return members, fmt.Errorf("seed %d: create run folder: %w", seed, err)
		}
		me := &env{ctx: e.ctx, stdout: e.stdout, stderr: e.stderr, getenv: e.getenv, deps: e.deps}
		if i > 0 {
			f, err := safefile.OpenFile(filepath.Join(m.dir, seedLog), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
			if err != nil {
				return members, fmt.Errorf("seed %d: %w", seed, err)
			}
			m.log, me.stdout, me.stderr = f, f, f
		}
		mo := seedsConfig(o, seed, m.dir, i == 0)
		m.job, m.summary, m.err = prepareSeed(me, mo, shared)
	}
	return members, nil
}

// prepareSeed makes one seed ready to train: afresh, or from the newest
// checkpoint its run folder holds. A seed that already finished returns
// its summary and no job.
func prepareSeed(e *env, o *trainOptions, shared *data.MNIST) (*trainJob, *runfolder.Summary, error) {
	infos, err := checkpoint.List(runfolder.CheckpointsDir(o.cfg.RunDir), false)
	if err != nil {
		return nil, nil, err
	}
	if len(infos) == 0 {
		m := *shared // the sets are shared, read only; the classes are the run's
		j, err := prepareTrain(e, o, &m, nil)
		return j, nil, err
	}
	o.resume = o.cfg.RunDir
	c, err := resumeFrom(o, e)
	if errors.Is(err, train.ErrNothingToTrain) {
		s, err := runfolder.ReadSummary(o.resume)
		if err != nil {
			return nil, nil, fmt.Errorf("finished before, but its summary: %w", err)
		}
		return nil, s, nil
	}
	if err != nil {
		return nil, nil, err
	}
	mnist := shared
	if saved, _ := train.TrainedOn(c); saved != train.DatasetID(shared) {
		// Trained on other data than this command line's: its own, as
		// --resume would.
		if mnist, _, err = trainedData(e, c, o.data); err != nil {
			return nil, nil, err
		}
	}
	m := *mnist
	j, err := prepareTrain(e, o, &m, c)
	return j, nil, err
}

// trainSeeds trains the members that have a job: as one train.Group,
// each from its own goroutine, or one after another, each alone.
// Its results are in the members.
func trainSeeds(e *env, o *trainOptions, members []*seedMember, grouped bool) {
	newGroup := o.newGroup
	if newGroup == nil {
		newGroup = func(n int) runFunc { return train.NewGroup(n).Run }
	}
	var jobs []*seedMember
	for _, m := range members {
		if m.job != nil {
			jobs = append(jobs, m)
		}
	}
	if grouped {
		run := newGroup(len(jobs))
		var wg sync.WaitGroup
		for _, m := range jobs {
			// Every member calls Run, even after an interrupt: the group
			// waits for all of them, and each saves its checkpoint.
			m.started = true
			wg.Go(func() { m.trained(m.job.train(run)) })
		}
		wg.Wait()
		return
	}
	for i, m := range jobs {
		if e.ctx.Err() != nil {
			m.err = e.ctx.Err() // not started: nothing to save
			continue
		}
		if m.log != nil {
			fmt.Fprintf(e.stdout, "seed %d  (%d of %d) training; its output in %s\n", m.seed, i+1, len(jobs), m.log.Name())
		}
		m.started = true
		m.trained(m.job.train(m.job.e.deps.Run)) // alone: train.Run (a group refuses a run it cannot group)
		if m.log != nil && m.err == nil && m.summary != nil {
			fmt.Fprintf(e.stdout, "seed %d  test accuracy %.4f  (%s, %.1fs)\n", m.seed, deref(m.summary.TestAccuracy), epochsOf(m.summary), m.summary.WallSeconds)
		}
	}
}

// trained keeps what training the member returned. A run with nothing to
// train (it had finished) is reported by the summary it wrote then.
func (m *seedMember) trained(s *runfolder.Summary, err error) {
	m.summary, m.err = s, err
	if errors.Is(err, train.ErrNothingToTrain) {
		if m.summary, m.err = runfolder.ReadSummary(m.dir); m.err != nil {
			m.err = fmt.Errorf("finished before, but its summary: %w", m.err)
		}
	}
}

// closeLogs closes the members' logs, with a warning on stderr for a log
// that did not close (its last lines may be lost; the runs are not).
func closeLogs(e *env, members []*seedMember) {
	for _, m := range members {
		if m.log != nil {
			if err := m.log.Close(); err != nil {
				fmt.Fprintf(e.stderr, "neurona train: warning: seed %d's log: %s\n", m.seed, oneLine(err.Error()))
			}
		}
	}
}
