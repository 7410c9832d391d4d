package cli

import (
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train"
	"github.com/neurona/neurona/train/backend"
	"github.com/neurona/neurona/train/safejson"
)

func runBackends(e *env, args []string) error {
	if len(args) > 0 && args[0] == "install" {
		return runBackendsInstall(e, args[1:])
	}
	fs := newFlags("backends", "backends [--json] | backends install xla:cpu|xla:cuda [--version V]", e.stdout)
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q (backends takes only flags, or `backends install NAME` with NAME one of %s)",
			fs.Arg(0), strings.Join(backend.Installable, ", "))
	}
	list := backend.List()
	backend.Describe(list)
	if *asJSON {
		return safejson.Encode(e.stdout, list)
	}
	chosen, chooseErr := backend.Choose("")
	w := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "BACKEND\tAVAILABLE\tDETAILS")
	for _, b := range list {
		details := b.Description
		if len(b.Devices) > 0 {
			details += "; devices: " + strings.Join(b.Devices, "; ")
		}
		if !b.Available {
			details = b.Reason
		}
		mark := ""
		if b.Name == chosen {
			mark = " (default)"
		}
		fmt.Fprintf(w, "%s%s\t%s\t%s\n", b.Name, mark, yesNo(b.Available), details)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if chooseErr != nil {
		fmt.Fprintf(e.stdout, "\n$GOMLX_BACKEND: %v\n", chooseErr)
	}
	return nil
}

// runBackendsInstall installs a PJRT plugin with go-xla's installer.
func runBackendsInstall(e *env, args []string) error {
	fs := newFlags("backends install", "backends install xla:cpu|xla:cuda [--version V]\n\n"+
		"Downloads the plugin with go-xla's installer into ~/.local/lib/go-xla (needs internet access)", e.stdout)
	version := fs.String("version", "", "plugin version (default: the one go-xla was tested with for xla:cpu, the latest for xla:cuda)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 || !slices.Contains(backend.Installable, fs.Arg(0)) {
		return usagef("backends install: name one backend to install (accepted: %s)", strings.Join(backend.Installable, ", "))
	}
	name := fs.Arg(0)
	fmt.Fprintf(e.stdout, "installing %s with go-xla's installer...\n", name)
	dir, err := backend.InstallPlugin(name, *version)
	if err != nil {
		return err
	}
	for _, b := range backend.List() {
		if b.Name == name && b.Available {
			fmt.Fprintf(e.stdout, "installed %s in %s: %s; `neurona backends` lists it\n", name, dir, b.Description)
			return nil
		}
	}
	return fmt.Errorf("installed %s in %s, but go-xla does not find a usable plugin there (see `neurona backends`)", name, dir)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func runModels(e *env, args []string) error {
	fs := newFlags("models", "models", e.stdout)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	goBackend, _, err := backend.New(backend.Go)
	if err != nil {
		return err
	}
	defer goBackend.Finalize()
	w := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "MODEL\tARCHITECTURE (defaults)\tPARAMETERS\tSHAPES")
	for _, name := range models.Names {
		def := train.Defaults(name)
		m, err := models.New(def.Model)
		if err != nil {
			return err
		}
		params, total, err := models.Params(goBackend, m)
		if err != nil {
			return err
		}
		var shapes []string
		for _, p := range params {
			shapes = append(shapes, fmt.Sprintf("%s %v", p.Name, p.Shape))
		}
		fmt.Fprintf(w, "%s\t%s\t%d\t%s\n", name, m.Spec(), total, strings.Join(shapes, ", "))
	}
	if err := w.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "\nactivations (--activation): %s\n", strings.Join(models.Activations, ", "))
	fmt.Fprintf(e.stdout, "losses (--loss):            %s = softmax + categorical cross-entropy, %s = sigmoid + binary cross-entropy (one-vs-rest), %s = linear + mean squared error on one-hot targets\n",
		models.LossSoftmaxCE, models.LossSigmoidBCE, models.LossMSE)
	fmt.Fprintf(e.stdout, "optimizers (--optimizer):   %s\n", strings.Join(train.Optimizers, ", "))
	fmt.Fprintf(e.stdout, "schedules (--schedule):     %s\n", strings.Join(train.Schedules, ", "))
	return nil
}

func runVersion(e *env, args []string) error {
	fs := newFlags("version", "version", e.stdout)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	b := train.Build()
	fmt.Fprintf(e.stdout, "neurona %s (GoMLX %s, %s %s/%s, GOEXPERIMENT=%s)\n", b.Version, b.GoMLX, b.GoVersion, b.OS, b.Arch, b.GOEXPERIMENT)
	return nil
}
