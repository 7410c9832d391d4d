package cli

import (
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/neurona/neurona/data"
	"github.com/neurona/neurona/internal/human"
	"github.com/neurona/neurona/internal/sweep"
	"github.com/neurona/neurona/train"
	"github.com/neurona/neurona/train/backend"
	"github.com/neurona/neurona/train/config"
)

// maxJobs is the most trials (or groups) --jobs trains at once: one per
// core Go may run on (GOMAXPROCS). More would only take turns on the cores.
func maxJobs() int { return min(runtime.GOMAXPROCS(0), sweep.MaxJobs) }

// sweepPlan is what sweepRun decided about the sweep's trials beyond
// their flags.
type sweepPlan struct {
	backend string             // the trials' backend, as backend.Choose names it
	cfgs    []config.Config    // each trial's configuration, as train parses its flags
	keys    []string           // each trial's group key ("" alone)
	limits  []int              // the most trials each trial's group may hold in memory (limitGroups)
	data    data.LocateOptions // where the trials find their data (one --data-dir for all)
	why     string             // why trials are not grouped, when some are not
	memory  string             // why memory makes some groups smaller than --group, when it does
}

// createSweep plans and checks a new sweep and creates its folder: every
// trial's flags through train's parser (a bad value is one usage line
// before anything is written), the --shards each trial gets, its group.
func createSweep(e *env, o *sweepOptions) (*sweep.Sweep, *sweepPlan, error) {
	spec, err := sweep.ParseArgs(o.train, sweepFlags(e), o.random, o.seed)
	if err != nil {
		return nil, nil, specUsage(err)
	}
	// Checked before the folder is made: a bad value writes nothing.
	probe, err := spec.Plan()
	if err != nil {
		return nil, nil, specUsage(err)
	}
	if err := checkRanges(e, spec, probe[0], filepath.Join(o.out, probe[0].Name)); err != nil {
		return nil, nil, err
	}
	planned := &sweep.Sweep{Trials: entries(probe)}
	p, err := planSweep(e, o, planned, o.out)
	if err != nil {
		return nil, nil, err
	}
	if o.jobs > 1 && !backend.IsGo(p.backend) {
		return nil, nil, usagef("--jobs %d: trials train side by side on the Go backend (the CPU) only; backend %s trains one at a time (--group puts trials of one shape in one program there)",
			o.jobs, human.Quote(p.backend))
	}
	p.limitGroups(o.maxMembers, max(1, o.jobs), groupSize(o.group))
	opts := sweep.Options{Jobs: max(1, o.jobs), Group: groupSize(o.group), Keys: p.keys, Limits: p.limits, Shards: make([]int, len(probe))}
	for i, t := range planned.Trials {
		opts.Shards[i] = t.Shards
	}
	s, err := sweep.CreateWith(o.out, spec, o.train, time.Now(), opts)
	return s, p, err
}

// groupSize is --group resolved: 0 (automatic) is sweep.MaxGroup.
func groupSize(group int) int {
	if group <= 0 {
		return sweep.MaxGroup
	}
	return group
}

// limitGroups sets the most trials each trial's group may hold: as many
// of its shape as the machine's memory holds (fits: train.MaxMembers when
// nil), shared by the jobs trained at once; and, when that is fewer than
// size for some trial, p.memory says why in words.
func (p *sweepPlan) limitGroups(fits func(config.Config) int, jobs, size int) {
	if fits == nil {
		fits = train.MaxMembers
	}
	p.limits = make([]int, len(p.cfgs))
	for i, c := range p.cfgs {
		if p.keys[i] == "" {
			continue
		}
		p.limits[i] = max(1, fits(c)/jobs)
		if n := p.limits[i]; n < size && p.memory == "" {
			p.memory = fmt.Sprintf("at most %d trials of one shape in a group", n)
			if err := train.GroupFits(c, n*jobs+1); err != nil {
				var me *train.MemoryError
				if errors.As(err, &me) {
					p.memory += ": " + me.Need()
				}
			}
			if jobs > 1 {
				p.memory += fmt.Sprintf(", shared by --jobs %d", jobs)
			}
		}
	}
}

// planSweep parses s's trials with train's parser and gives each trial
// without --shards the shards a step of it takes on this machine, chosen
// here once (train.AutoShards from the cores, whatever --jobs is) so that
// trials trained at once give the results they give alone. dir is the
// sweep's folder (s may not know it yet).
func planSweep(e *env, o *sweepOptions, s *sweep.Sweep, dir string) (*sweepPlan, error) {
	p := &sweepPlan{}
	for i := range s.Trials {
		args := s.TrainArgs(i)
		args[len(args)-1] = "--run-dir=" + filepath.Join(dir, s.Trials[i].Name)
		t, err := parseTrainArgs(e, args)
		if err != nil {
			return nil, usagef("%s (%s): %s", s.Trials[i].Name, human.Quote(strings.Join(s.Trials[i].Args, " ")), oneLine(err.Error()))
		}
		p.cfgs = append(p.cfgs, t.cfg)
		if i == 0 {
			p.data = t.data
		}
	}
	name, err := backend.Choose(p.cfgs[0].Backend) // one --backend for every trial (sweepFixed)
	if err != nil {
		return nil, usagef("%v", err)
	}
	p.backend = name
	for i := range s.Trials {
		c := &p.cfgs[i]
		if c.Shards == 0 && backend.IsGo(name) && s.Trials[i].Shards == 0 && s.Trials[i].Result.Status != sweep.Finished {
			if s.Trials[i].Shards, err = train.PlannedShards(*c); err != nil {
				return nil, usagef("%s: %v", s.Trials[i].Name, err)
			}
		}
		if s.Trials[i].Shards > 0 {
			c.Shards = s.Trials[i].Shards
		}
	}
	key := o.groupKey
	if key == nil {
		key = train.GroupKey
	}
	for i, c := range p.cfgs {
		k, why := key(c)
		if o.group == 1 {
			k, why = "", "--group 1"
		}
		p.keys = append(p.keys, k)
		if k == "" && p.why == "" {
			p.why = fmt.Sprintf("train does not group %s: %s", s.Trials[i].Name, why)
		}
	}
	// The trials load their data when they start; data that is not there
	// is refused here, before the sweep's folder is written.
	if err := locateMNIST(e, p.data); err != nil {
		return nil, err
	}
	return p, nil
}

// resumeSweep opens the sweep in o.resume and checks it as a new one is:
// every trial's flags (sweep.json is read back: trust nothing), and each
// group's members against this neurona's group keys; a group whose
// members it cannot train together trains alone, with a warning.
func resumeSweep(e *env, o *sweepOptions) (*sweep.Sweep, *sweepPlan, error) {
	if err := needFolder("--resume", o.resume); err != nil {
		return nil, nil, err
	}
	s, err := sweep.Open(o.resume)
	if err != nil {
		return nil, nil, err
	}
	p, err := planSweep(e, &sweepOptions{group: s.GroupSize, groupKey: o.groupKey}, s, s.Dir())
	if err != nil {
		s.Close()
		return nil, nil, err
	}
	members := map[int][]int{}
	for i, t := range s.Trials {
		if t.Group > 0 {
			members[t.Group] = append(members[t.Group], i)
		}
	}
	jobs := s.Jobs
	if o.jobs > 0 {
		jobs = o.jobs
	}
	p.limitGroups(o.maxMembers, max(1, jobs), s.GroupSize)
	for g := 1; g <= len(members); g++ {
		first := members[g][0]
		limit := p.limits[first]
		for _, i := range members[g] { // members of one shape may differ in memory (--restore-best)
			if p.limits[i] > 0 {
				limit = min(limit, p.limits[i])
			}
		}
		if n := len(members[g]); n > limit && p.keys[first] != "" {
			fmt.Fprintf(e.stderr, "neurona sweep: warning: sweep.json trains %d trials with %s in one group, more than this machine's memory holds (%s); they train alone\n",
				n, s.Trials[first].Name, p.memory)
			s.Ungroup(g)
			continue
		}
		for _, i := range members[g] {
			if p.keys[i] == "" || p.keys[i] != p.keys[first] {
				fmt.Fprintf(e.stderr, "neurona sweep: warning: sweep.json trains %s with %s in one group, which this neurona cannot (%s); its trials train alone\n",
					s.Trials[i].Name, s.Trials[first].Name, groupWhy(o, p, i))
				s.Ungroup(g)
				break
			}
		}
	}
	if o.jobs > 0 {
		s.Jobs = o.jobs // kept for the next --resume
	}
	if err := s.Save(); err != nil {
		s.Close()
		return nil, nil, err
	}
	return s, p, nil
}

// groupWhy says why trial i's key differs from its group's.
func groupWhy(o *sweepOptions, p *sweepPlan, i int) string {
	key := o.groupKey
	if key == nil {
		key = train.GroupKey
	}
	if _, why := key(p.cfgs[i]); why != "" {
		return why
	}
	return "their shapes differ"
}

// sweepJobs is how many trials (or groups) train at once in this process:
// the sweep's recorded --jobs, at most one per core, and 1 on a backend
// other than Go's, and no more than its memory holds at once. It says
// so when that is fewer than recorded.
func sweepJobs(e *env, s *sweep.Sweep, p *sweepPlan) int {
	jobs := max(1, s.Jobs)
	if jobs > 1 && !backend.IsGo(p.backend) {
		fmt.Fprintf(e.stdout, "jobs     1 at a time: --jobs %d runs trials side by side on the Go backend only, not %s\n", jobs, human.Quote(p.backend))
		return 1
	}
	said := false
	if jobs > maxJobs() {
		fmt.Fprintf(e.stdout, "jobs     %d at once, not the %d recorded: this machine runs Go on %d cores\n", maxJobs(), jobs, maxJobs())
		jobs, said = maxJobs(), true
	}
	if fit, largest := memoryJobs(s, p); jobs > fit {
		fmt.Fprintf(e.stdout, "jobs     %d at once, not %d: this machine's %s of memory holds %d of the largest (about %s each)\n",
			fit, jobs, human.Bytes(int64(backend.HostMemoryGB()*1e9)), fit, human.Bytes(int64(largest)))
		return fit
	}
	if jobs > 1 && !said {
		fmt.Fprintf(e.stdout, "jobs     %d trials (or groups) at once, sharing %d cores; each trial's step in the shards it takes alone\n", jobs, maxJobs())
	}
	return jobs
}

// memoryJobs is how many of s's trials (or groups) this machine's memory
// holds at once, judged by the largest (train.EstimateGroupMemory), and
// that largest estimate in bytes; where the memory is unknown, MaxJobs.
func memoryJobs(s *sweep.Sweep, p *sweepPlan) (fit int, largest float64) {
	host := backend.HostMemoryGB() * 1e9
	if host <= 0 {
		return sweep.MaxJobs, 0
	}
	members := map[int]int{}
	for _, t := range s.Trials {
		members[t.Group]++
	}
	for i, t := range s.Trials {
		n := 1
		if t.Group > 0 {
			n = members[t.Group]
		}
		c := p.cfgs[i]
		largest = max(largest, train.EstimateGroupMemory(c, n).Total())
	}
	if largest <= 0 {
		return sweep.MaxJobs, 0
	}
	return max(1, int(host/largest)), largest
}

// groupsLine says how the trials were grouped, and why not when they
// were not.
func groupsLine(s *sweep.Sweep, p *sweepPlan) string {
	sizes, alone := s.GroupSizes()
	line := "groups   " + s.Grouping()
	switch {
	case len(sizes) > 0 && p.memory != "":
		return line + " (the trials of a group train in one program; " + p.memory + ")"
	case len(sizes) > 0 && (alone == 0 || p.why == ""):
		return line + " (the trials of a group train in one program)"
	case len(sizes) > 0:
		return line + " (the trials of a group train in one program; " + p.why + ")"
	case s.GroupSize == 1:
		return line + " (--group 1)"
	case s.GroupSize == 0:
		return line + " (planned before sweeps grouped trials)"
	case p.why == "":
		return line + " (no two trials share their shapes)"
	}
	return line + " (" + p.why + ")"
}
