package cli

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/neurona/neurona/data"
	"github.com/neurona/neurona/internal/human"
	"github.com/spf13/cobra"
)

// newCmdData builds `neurona data` and its subcommands.
func newCmdData(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "data <info|verify|fetch|show>",
		Short: "find, check, download or show MNIST (info, verify, fetch, show)",
		Args:  cobra.ArbitraryArgs,
		RunE:  groupRunE,
	}
	leaf := func(use, short string, run func(*env, *data.LocateOptions) error) *cobra.Command {
		o := &data.LocateOptions{Getenv: e.getenv}
		c := &cobra.Command{Use: use, Short: short, Args: noArgs,
			RunE: func(*cobra.Command, []string) error { return run(e, o) }}
		dataFlags(c, o)
		cmd.AddCommand(c)
		return c
	}
	leaf("info", "where the data is found and what it holds (image size, counts per class, class names)", dataInfo)
	leaf("verify", "check each file's size, SHA-256 and format; exits 1 if any is wrong", dataVerify)
	var mirror string
	fetch := leaf("fetch", "download MNIST's four files from a public mirror into the cache folder, verifying their SHA-256",
		func(e *env, o *data.LocateOptions) error { return dataFetch(e, o, mirror) })
	fetch.Flags().StringVar(&mirror, "mirror", "", "base URL to download from instead of the default public mirrors")
	cmd.AddCommand(newCmdDataShow(e, nil))
	return cmd
}

// dataFlags adds the flags every data subcommand shares.
func dataFlags(cmd *cobra.Command, o *data.LocateOptions) {
	cmd.Flags().StringVar(&o.DataDir, "data-dir", "", "folder with the four MNIST files (default: $NEURONA_DATA, the GoMNIST module copy, then the download cache)")
	cmd.Flags().StringVar(&o.CacheDir, "cache-dir", data.DefaultCacheDir(), "download cache folder")
	completeFolders(cmd, "data-dir")
	completeFolders(cmd, "cache-dir")
}

// dataInfo is `neurona data info`.
func dataInfo(e *env, o *data.LocateOptions) error {
	m, err := loadMNIST(e, *o)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "folder  %s\nsource  %s\n", human.Text(data.ShowDir(m.Dir)), human.Text(dataSource(m.Source)))
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

// dataVerify is `neurona data verify`.
func dataVerify(e *env, o *data.LocateOptions) error {
	if o.DataDir != "" {
		if err := needPath("--data-dir", o.DataDir); err != nil {
			return err
		}
	}
	dir, source, err := data.Locate(e.ctx, *o)
	if err != nil {
		return err
	}
	folder := data.ShowDir(dir) // the module's copy says where it comes from
	if folder == dir {
		folder += " (" + source + ")"
	}
	fmt.Fprintf(e.stdout, "folder %s\n", human.Text(folder))
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
		fmt.Fprintf(w, "%s\t%d\t%.16s…\t%s\t%s\n", human.Text(s.Name), s.Size, s.SHA256, yesNo(s.KnownHash), status)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if bad > 0 {
		return fmt.Errorf("%d of %d files are missing or invalid in %s", bad, len(data.Files), dir)
	}
	return nil
}

// dataFetch is `neurona data fetch`, from mirror if not "".
func dataFetch(e *env, o *data.LocateOptions, mirror string) error {
	mirrors := data.DefaultMirrors
	if mirror != "" {
		mirrors = []string{mirror}
	}
	logf := e.logf
	if err := data.Fetch(e.ctx, nil, mirrors, o.CacheDir, logf); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "MNIST is in %s\n", o.CacheDir)
	return nil
}
