package cli

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/neurona/neurona/internal/human"
	"github.com/neurona/neurona/internal/runs"
	"github.com/neurona/neurona/internal/viz"
	"github.com/spf13/cobra"
)

// runsOptions is what `neurona runs list|compare` was asked to do.
type runsOptions struct {
	sub  string
	dirs []string // list: the folder searched; compare: the runs
	json bool
	sort string
	out  string // compare: compare.png's path
}

// newCmdRuns builds `neurona runs` and its subcommands.
func newCmdRuns(e *env, runF func(*runsOptions) error) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "runs <list|compare>",
		Short: "list the runs below a folder, or compare runs side by side",
		Args:  cobra.ArbitraryArgs,
		RunE:  groupRunE,
	}
	lo := &runsOptions{sub: "list"}
	list := &cobra.Command{
		Use:   "list [DIR]",
		Short: "one line per run below DIR (default runs/): model, hyperparameters, status, epochs, accuracies, time, backend",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return usagef("unexpected argument %q (%s takes one folder)", args[1], cmd.CommandPath())
			}
			return nil
		},
		RunE: func(_ *cobra.Command, args []string) error {
			lo.dirs = []string{"runs"}
			if len(args) == 1 {
				lo.dirs = args
			}
			if err := needFolder("folder", lo.dirs[0]); err != nil {
				return err
			}
			if err := runs.Sort(nil, lo.sort); err != nil {
				return usagef("--sort %q (accepted: %s)", lo.sort, strings.Join(runs.SortKeys, ", "))
			}
			if runF != nil {
				return runF(lo)
			}
			return runsList(e, lo)
		},
		ValidArgsFunction: completeDirs,
	}
	list.Flags().BoolVar(&lo.json, "json", false, "print JSON")
	list.Flags().StringVar(&lo.sort, "sort", "name", "order: "+strings.Join(runs.SortKeys, ", ")+" (accuracies best first)")
	co := &runsOptions{sub: "compare"}
	compare := &cobra.Command{
		Use:   "compare RUN RUN...",
		Short: "the runs' configurations side by side (differences marked), their metrics, and compare.png",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) < 2 {
				return usagef("compare needs two run folders or more (see `%s --help`)", cmd.CommandPath())
			}
			return nil
		},
		RunE: func(_ *cobra.Command, args []string) error {
			for _, a := range args {
				if err := needFolder("run folder", a); err != nil {
					return err
				}
			}
			co.dirs = args
			if co.out == "" {
				co.out = runs.CompareFile
			}
			if err := checkOut("--out", co.out); err != nil {
				return err
			}
			if runF != nil {
				return runF(co)
			}
			return runsCompare(e, co)
		},
		ValidArgsFunction: completeDirs,
	}
	compare.Flags().StringVar(&co.out, "out", "", "picture of the runs' curves (default compare.png in the current folder)")
	cmd.AddCommand(list, compare)
	return cmd
}

func runsList(e *env, o *runsOptions) error {
	l, err := runs.Find(o.dirs[0])
	if err != nil {
		return err
	}
	found := l.Runs
	if err := runs.Sort(found, o.sort); err != nil {
		return err
	}
	warnRuns(e, "list", l.Unreadable, found)
	if l.LeftOut > 0 {
		fmt.Fprintf(e.stderr, "neurona runs list: %d more runs below %s are not listed: only the first %d by name are (list a folder below it)\n",
			l.LeftOut, human.Text(o.dirs[0]), runs.MaxListed)
	}
	if o.json {
		if found == nil {
			found = []runs.Run{}
		}
		return writeJSON(e.stdout, found)
	}
	if len(found) == 0 {
		fmt.Fprintf(e.stdout, "no runs below %s\n", human.Text(o.dirs[0]))
		return nil
	}
	return runs.WriteList(e.stdout, found)
}

// warnRuns says on stderr, one line each, which folders could not be read
// and what is wrong with each damaged run's files.
func warnRuns(e *env, verb string, unreadable []string, list []runs.Run) {
	for _, u := range unreadable {
		fmt.Fprintf(e.stderr, "neurona runs %s: warning: %s\n", verb, human.Text(u))
	}
	for _, r := range list {
		if r.Problem != "" {
			fmt.Fprintf(e.stderr, "neurona runs %s: warning: %s\n", verb, human.Text(r.Problem))
		}
	}
}

func runsCompare(e *env, o *runsOptions) error {
	var list []runs.Run
	for _, d := range o.dirs {
		r := runs.Describe(d, filepath.Base(filepath.Clean(d)))
		if r.Summary == nil && r.Epochs == 0 && r.Problem == "" {
			return fmt.Errorf("%s is not a run folder (no summary.json or metrics.jsonl)", d)
		}
		list = append(list, r)
	}
	warnRuns(e, "compare", nil, list)
	if err := runs.WriteCompare(e.stdout, list); err != nil {
		return err
	}
	err := runs.ComparePicture(o.out, list)
	switch {
	case err == nil:
		fmt.Fprintf(e.stdout, "wrote %s\n", human.Text(o.out))
	case errors.Is(err, viz.ErrNoTrials):
		fmt.Fprintf(e.stderr, "neurona runs compare: no %s: %s\n", human.Text(o.out), human.Text(err.Error()))
	default:
		return err
	}
	return nil
}
