package cli

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/neurona/neurona/data"
	"github.com/neurona/neurona/internal/sweep"
	"github.com/neurona/neurona/train"
	"github.com/neurona/neurona/train/config"
	"github.com/neurona/neurona/train/runfolder"
)

// runFunc trains one run as train.Run does (Deps.Run).
type runFunc = func(ctx context.Context, cfg config.Config, mnist *data.MNIST, opts train.Options) (*runfolder.Summary, error)

// groupRunner is what a sweep needs of a train.Group: the Run its members
// call, each from a goroutine of its own, and Leave for a member whose
// log, checkpoint or data failed before its run started, so that the
// others do not wait for it.
type groupRunner interface {
	Run(ctx context.Context, cfg config.Config, mnist *data.MNIST, opts train.Options) (*runfolder.Summary, error)
	Leave()
}

// trialOf is the name of the trial whose train flags are args (its
// folder's, the last flag: --run-dir=DIR or --resume=DIR).
func trialOf(args []string) string {
	last := args[len(args)-1]
	return filepath.Base(strings.TrimPrefix(strings.TrimPrefix(last, "--run-dir="), "--resume="))
}

// sweepRunner is how sweepRun trains the trials: in this process, each
// trial's output in logs/TRIAL.log, a group's members through one
// train.Group (a line per epoch of the group: groupProgress), jobs units
// at once; or with o's fakes. label names the group of a trial ("group
// 2/3").
func sweepRunner(e *env, o *sweepOptions, logs string, jobs int, label func(trial string) string) sweep.Runner {
	logOf := func(args []string) string { return filepath.Join(logs, trialOf(args)+".log") }
	out := &lockedWriter{w: e.stdout}
	r := sweep.Runner{Train: o.trainFn, Group: o.groupFn, Jobs: jobs, Out: out}
	if r.Train == nil {
		r.Train = func(ctx context.Context, args []string) error {
			return trainInProcess(e, logOf(args), nil)(ctx, args)
		}
	}
	if r.Group == nil && o.trainFn == nil { // a fake trainFn trains the members too
		newGroup := o.newGroup
		if newGroup == nil {
			newGroup = func(n int) groupRunner { return train.NewGroup(n) }
		}
		r.Group = func(n int) sweep.TrainFunc {
			g := newGroup(n)
			var once sync.Once
			var progress *groupProgress
			return func(ctx context.Context, args []string) error {
				name := trialOf(args)
				once.Do(func() { progress = newGroupProgress(out, label(name), n) })
				defer progress.done(name)
				var joined atomic.Bool
				run := func(ctx context.Context, cfg config.Config, mnist *data.MNIST, opts train.Options) (*runfolder.Summary, error) {
					joined.Store(true)
					opts.Observers = append(opts.Observers, progress.observe(name))
					return g.Run(ctx, cfg, mnist, opts)
				}
				err := trainInProcess(e, logOf(args), run)(ctx, args)
				if !joined.Load() {
					g.Leave()
				}
				return err
			}
		}
	}
	return r
}
