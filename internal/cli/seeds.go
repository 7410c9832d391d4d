package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/neurona/neurona/internal/human"
	"github.com/neurona/neurona/train"
	"github.com/neurona/neurona/train/config"
	"github.com/neurona/neurona/train/runfolder"
)

// maxSeeds bounds --seeds: each seed is a run folder, a log and, when the
// seeds train as one group, a slice of one program's memory.
const maxSeeds = 64

// parseSeeds parses --seeds: distinct whole numbers separated by commas,
// at most maxSeeds of them.
func parseSeeds(text string) ([]uint64, error) {
	want := fmt.Sprintf("want 1 to %d distinct whole numbers from 0 to %d separated by commas, e.g. 1,2,3,4,5", maxSeeds, uint64(1<<64-1))
	parts := strings.Split(text, ",")
	if len(parts) > maxSeeds {
		return nil, usagef("--seeds: %d seeds (%s)", len(parts), want)
	}
	seeds := make([]uint64, 0, len(parts))
	seen := map[uint64]bool{}
	for _, p := range parts {
		seed, err := strconv.ParseUint(strings.TrimSpace(p), 10, 64)
		if err != nil {
			return nil, usagef("--seeds %s: %s is not a seed (%s)", human.Quote(text), human.Quote(p), want)
		}
		if seen[seed] {
			return nil, usagef("--seeds %s: seed %d is given twice (%s)", human.Quote(text), seed, want)
		}
		seen[seed] = true
		seeds = append(seeds, seed)
	}
	return seeds, nil
}

// checkSeeds reads --seeds into o.seeds and refuses the flags it
// conflicts with; set holds the flags given.
func (o *trainOptions) checkSeeds(set map[string]bool) error {
	seeds, err := parseSeeds(o.seedsText)
	if err != nil {
		return err
	}
	switch {
	case set["seed"]:
		return o.usage("seed", "--seed and --seeds: give one (--seeds trains one run per seed)")
	case set["resume"]:
		return usagef("--seeds and --resume: resume one seed with --resume DIR/seed-N, or continue every seed with the same --seeds and --run-dir DIR")
	case set["print-config"]:
		return usagef("--print-config and --seeds: --print-config shows one run's configuration; give --seed N instead")
	}
	o.seeds = seeds
	return nil
}

// seedsRun trains o's recipe once per seed of --seeds: each seed a run
// folder seed-N under one folder (--run-dir, else a new default run
// folder), the seeds side by side in one train.Group when train.GroupKey
// allows it, else one after another. The first seed's output is shown,
// the others' goes to train.log in their run folders. At the end a table
// gives each seed's results, a line the test accuracy's mean and spread,
// and seeds.json the same numbers. Seeds whose folder holds checkpoints
// (an interrupted `train --seeds` with the same --run-dir) resume from
// them; finished ones are reported as they are.
func seedsRun(e *env, o *trainOptions) error {
	shared, err := loadMNIST(e, o.data)
	if err != nil {
		return err
	}
	// Checked once, on the shared data, before any folder is made: every
	// seed names its classes the same way.
	if err := nameData(shared, o.classes); err != nil {
		return err
	}
	// A recipe train refuses on this data (a split with no batch) is
	// refused once, as `train` alone refuses it, before any folder is
	// made: the engine's checks do not depend on the seed, and each seed
	// would otherwise fail alone in a folder of its own.
	check := o.cfg
	check.Seed = o.seeds[0]
	if err := train.Check(check, shared); err != nil {
		return err
	}
	parent, err := seedsFolder(o)
	if err != nil {
		return err
	}
	showSeeds(e, o, parent)
	members, err := prepareSeeds(e, o, shared, parent)
	defer closeLogs(e, members)
	if err != nil {
		return err
	}
	grouped, why := groupable(o, members)
	showGrouping(e, members, grouped, why)
	trainSeeds(e, o, members, grouped)
	report := seedsReportOf(o, parent, members, grouped, why)
	writeSeedsTable(e.stdout, report)
	path := filepath.Join(parent, seedsFile)
	if err := writeSeedsJSON(path, report); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "wrote    %s\n", path)
	if e.ctx.Err() != nil {
		fmt.Fprintf(e.stderr, "neurona train: stopped; the seeds in training saved a checkpoint. Continue them all with the same command "+
			"and --run-dir %s (finished seeds are kept, the others resume), or one with: neurona train --resume %s\n",
			parent, filepath.Join(parent, "seed-N"))
		return e.ctx.Err()
	}
	for _, s := range report.Seeds {
		if s.Status == seedFailed {
			fmt.Fprintf(e.stderr, "neurona train: seed %d failed: %s\n", s.Seed, s.Error) // oneLine: escaped
		}
	}
	if failed := report.count(seedFailed); failed > 0 {
		return fmt.Errorf("%d of %d seeds failed (each seed's output is in its folder's %s)", failed, len(members), seedLog)
	}
	return nil
}

// seedsFolder makes the folder the seeds' run folders go in: --run-dir,
// else a new run folder's default name (runs/<model>-<time>). A folder that
// holds a run itself is refused: the seeds' runs go inside it.
func seedsFolder(o *trainOptions) (string, error) {
	if o.cfg.RunDir == "" {
		return runfolder.NewRunDir(o.cfg.Model.Name, time.Now())
	}
	if runfolder.IsRunFolder(o.cfg.RunDir) {
		return "", usagef("--run-dir %s holds a run; with --seeds it is the folder of one run folder per seed (seed-1, seed-2...): choose another", o.cfg.RunDir)
	}
	// Every seed's folder checked before any is made: one that is a file
	// or a pipe would stop the seeds after the first folders were made.
	for _, seed := range o.seeds {
		if err := needNewFolder(fmt.Sprintf("--seeds: seed %d's run folder", seed), seedDir(o.cfg.RunDir, seed)); err != nil {
			return "", err
		}
	}
	if err := os.MkdirAll(o.cfg.RunDir, 0o755); err != nil {
		return "", fmt.Errorf("create --run-dir: %w", err)
	}
	return o.cfg.RunDir, nil
}

// seedDir is the run folder of seed under parent.
func seedDir(parent string, seed uint64) string {
	return filepath.Join(parent, "seed-"+strconv.FormatUint(seed, 10))
}

// groupable says whether the members that train can train as one group:
// train.GroupKey gives them all the same key, and the machine's memory
// holds them together (train.GroupFits). If not, why says why.
func groupable(o *trainOptions, members []*seedMember) (grouped bool, why string) {
	first, n := "", 0
	var cfg config.Config
	for _, m := range members {
		if m.job == nil {
			continue
		}
		n++
		cfg = m.job.o.cfg
		key, why := train.GroupKey(m.job.o.cfg)
		switch {
		case key == "":
			return false, why
		case first == "":
			first = key
		case key != first:
			return false, "the seeds' configurations differ (resumed seeds keep their checkpoint's)"
		}
	}
	if err := train.GroupFits(cfg, n); first != "" && err != nil {
		var me *train.MemoryError
		if errors.As(err, &me) {
			return false, me.Need()
		}
		return false, err.Error()
	}
	return first != "", ""
}

// showSeeds says what the seeds are and where their output goes.
func showSeeds(e *env, o *trainOptions, parent string) {
	var seeds []string
	for _, seed := range o.seeds {
		seeds = append(seeds, strconv.FormatUint(seed, 10))
	}
	fmt.Fprintf(e.stdout, "seeds    %s of %s, seeds %s, in %s", human.Count(len(o.seeds), "run"), o.cfg.Recipe(), strings.Join(seeds, ","), parent)
	if len(o.seeds) > 1 {
		fmt.Fprintf(e.stdout, "; seed %d's output below, the others' in %s", o.seeds[0], filepath.Join(parent, "seed-N", seedLog))
	}
	fmt.Fprintln(e.stdout)
}

// showGrouping says how the seeds that train will train.
func showGrouping(e *env, members []*seedMember, grouped bool, why string) {
	jobs := 0
	for _, m := range members {
		if m.job != nil {
			jobs++
		}
	}
	switch {
	case jobs == 0:
		fmt.Fprintln(e.stdout, "seeds    nothing to train: each seed finished before, or failed (see below)")
	case grouped:
		fmt.Fprintf(e.stdout, "seeds    training %s side by side in one program\n", human.Count(jobs, "seed"))
	default:
		fmt.Fprintf(e.stdout, "seeds    training %s one after another (not grouped: %s)\n", human.Count(jobs, "seed"), why)
	}
}

// seedsConfig is o for one seed: its own seed and run folder, no --seeds.
func seedsConfig(o *trainOptions, seed uint64, dir string, shown bool) *trainOptions {
	mo := *o
	mo.seeds, mo.seedsText = nil, ""
	mo.cfg.Seed, mo.cfg.RunDir = seed, dir
	if !shown {
		mo.cfg.Progress = false // its output goes to a log
	}
	mo.set = map[string]bool{}
	for name, given := range o.set {
		if name != "seeds" && name != "run-dir" {
			mo.set[name] = given
		}
	}
	return &mo
}
