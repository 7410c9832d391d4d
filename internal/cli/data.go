package cli

import (
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/neurona/neurona/data"
)

func runData(e *env, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintln(e.stdout, "Usage: neurona data <info|verify|fetch|show> [flags]\n\n"+
			"  info    where MNIST is found and what it holds\n"+
			"  verify  check each file's size, SHA-256 and format; exits 1 if any is wrong\n"+
			"  fetch   download the four files from a public mirror into the cache folder, verifying SHA-256\n"+
			"  show    draw a grid of digits with their labels into a PNG (samples.png)\n\n"+
			"Run `neurona data <subcommand> --help` for its flags.")
		if len(args) == 0 {
			return usagef("missing subcommand (accepted: info, verify, fetch, show)")
		}
		return nil
	}
	switch args[0] {
	case "info":
		return runDataInfo(e, args[1:])
	case "verify":
		return runDataVerify(e, args[1:])
	case "fetch":
		return runDataFetch(e, args[1:])
	case "show":
		return runDataShow(e, args[1:])
	}
	return usagef("unknown subcommand %q (accepted: info, verify, fetch, show)", args[0])
}

// dataFlags adds the flags every data subcommand shares.
func dataFlags(e *env, name string) (*flag.FlagSet, *data.LocateOptions) {
	fs := newFlags("data "+name, "data "+name+" [flags]", e.stdout)
	o := &data.LocateOptions{Getenv: e.getenv}
	fs.StringVar(&o.DataDir, "data-dir", "", "folder with the four MNIST files (default: $NEURONA_DATA, the GoMNIST module copy, then the download cache)")
	fs.StringVar(&o.CacheDir, "cache-dir", data.DefaultCacheDir(), "download cache folder")
	return fs, o
}

func runDataInfo(e *env, args []string) error {
	fs, o := dataFlags(e, "info")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	m, err := loadMNIST(e, *o)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "folder  %s\nsource  %s\n", m.Dir, m.Source)
	for _, s := range []struct {
		name string
		set  *data.Set
	}{{"train", m.Train}, {"test", m.Test}} {
		fmt.Fprintf(e.stdout, "%-6s  %d images of %dx%d, %s\n", s.name, s.set.N, s.set.Rows, s.set.Cols, perClass(s.set, m.Classes))
	}
	return nil
}

// perClass says how many images of set each class has: "per digit [980
// 1135 …]" for MNIST, "per class [400 350 250]" for other unnamed
// classes, "per class: cat 400, dog 350, bird 250" with names.
func perClass(set *data.Set, classes data.Classes) string {
	counts := make([]int, classes.N)
	for _, l := range set.Labels {
		if int(l) >= len(counts) { // data.Load counts a class per label: cannot happen, but never panics
			counts = append(counts, make([]int, int(l)+1-len(counts))...)
		}
		counts[l]++
	}
	if !classes.Named() {
		return fmt.Sprintf("per %s %v", classes.Noun(), counts)
	}
	parts := make([]string, len(counts))
	for i, n := range counts {
		parts[i] = fmt.Sprintf("%s %d", classes.Name(i), n)
	}
	return "per class: " + strings.Join(parts, ", ")
}

func runDataVerify(e *env, args []string) error {
	fs, o := dataFlags(e, "verify")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	if o.DataDir != "" {
		if err := needPath("--data-dir", o.DataDir); err != nil {
			return err
		}
	}
	dir, source, err := data.Locate(e.ctx, *o)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "folder %s (%s)\n", dir, source)
	w := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "FILE\tBYTES\tSHA-256\tORIGINAL\tSTATUS")
	bad := 0
	for _, s := range data.Verify(dir) {
		status := "ok"
		if len(s.Others) > 0 {
			status = "ok, " + s.Path + " read; same data in " + strings.Join(s.Others, ", ")
		}
		if s.Err != nil {
			status = s.Err.Error()
			bad++
		}
		fmt.Fprintf(w, "%s\t%d\t%.16s…\t%s\t%s\n", s.Name, s.Size, s.SHA256, yesNo(s.KnownHash), status)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if bad > 0 {
		return fmt.Errorf("%d of %d files are missing or invalid in %s", bad, len(data.Files), dir)
	}
	return nil
}

func runDataFetch(e *env, args []string) error {
	fs, o := dataFlags(e, "fetch")
	mirror := fs.String("mirror", "", "base URL to download from instead of the default public mirrors")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	mirrors := data.DefaultMirrors
	if *mirror != "" {
		mirrors = []string{*mirror}
	}
	logf := func(format string, args ...any) { fmt.Fprintf(e.stderr, format+"\n", args...) }
	if err := data.Fetch(e.ctx, nil, mirrors, o.CacheDir, logf); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "MNIST is in %s\n", o.CacheDir)
	return nil
}
