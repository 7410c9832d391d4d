package cli

import (
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train/backend"
	"github.com/neurona/neurona/train/config"
	"github.com/spf13/cobra"
)

// newCmdBackends builds `neurona backends`, which lists the backends, and
// `neurona backends install`.
func newCmdBackends(e *env) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "backends",
		Short: "list the compute backends and why any is unavailable; install an XLA plugin",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usagef("unexpected argument %q (backends takes only flags, or `backends install NAME` with NAME one of %s)",
					args[0], strings.Join(backend.Installable, ", "))
			}
			return nil
		},
		RunE: func(*cobra.Command, []string) error { return backendsList(e, asJSON) },
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	var version string
	install := &cobra.Command{
		Use:   "install <xla:cpu|xla:cuda>",
		Short: "download a PJRT plugin with go-xla's installer into ~/.local/lib/go-xla (needs internet access)",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 || !slices.Contains(backend.Installable, args[0]) {
				return usagef("backends install: name one backend to install (accepted: %s)", strings.Join(backend.Installable, ", "))
			}
			return nil
		},
		ValidArgs: backend.Installable,
		RunE:      func(_ *cobra.Command, args []string) error { return backendsInstall(e, args[0], version) },
	}
	install.Flags().StringVar(&version, "version", "", "plugin version (default: the one go-xla was tested with for xla:cpu, the latest for xla:cuda)")
	cmd.AddCommand(install)
	return cmd
}

// backendsList is `neurona backends`.
func backendsList(e *env, asJSON bool) error {
	list := backend.List()
	backend.Describe(list)
	if asJSON {
		return writeJSON(e.stdout, list)
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

// backendsInstall installs a PJRT plugin with go-xla's installer.
func backendsInstall(e *env, name, version string) error {
	fmt.Fprintf(e.stdout, "installing %s with go-xla's installer...\n", name)
	dir, err := backend.InstallPlugin(name, version)
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

// newCmdModels builds `neurona models`.
func newCmdModels(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "models",
		Short: "list the models, activations, losses and optimizers",
		Args:  noArgs,
		RunE:  func(*cobra.Command, []string) error { return modelsRun(e) },
	}
}

// modelsRun is `neurona models`: every registered kind with its default
// shape, counted by the model (no graph is built), then what the
// configuration keys of the kinds accept.
func modelsRun(e *env) error {
	w := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "MODEL\tARCHITECTURE (defaults)\tPARAMETERS\tSHAPES")
	for _, kind := range models.Kinds() {
		m, err := models.New(config.Defaults(kind.Name()).Model)
		if err != nil {
			return err
		}
		params, total := models.ParamsOf(m)
		var shapes []string
		for _, p := range params {
			shapes = append(shapes, fmt.Sprintf("%s %v", p.Name, p.Shape))
		}
		fmt.Fprintf(w, "%s\t%s\t%d\t%s\n", kind.Name(), m.Spec(), total, strings.Join(shapes, ", "))
	}
	if err := w.Flush(); err != nil {
		return err
	}
	losses := make([]string, len(models.Losses))
	for i, l := range models.Losses {
		losses[i] = l + " = " + models.LossMeaning(l)
	}
	fmt.Fprintf(e.stdout, "\nactivations (--activation): %s\n", strings.Join(models.Activations, ", "))
	fmt.Fprintf(e.stdout, "losses (--loss):            %s\n", strings.Join(losses, ", "))
	fmt.Fprintf(e.stdout, "optimizers (--optimizer):   %s\n", strings.Join(config.Optimizers, ", "))
	fmt.Fprintf(e.stdout, "schedules (--schedule):     %s\n", strings.Join(config.Schedules, ", "))
	return nil
}

// newCmdVersion builds `neurona version`, which says what --version says.
func newCmdVersion(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "print the version and how the binary was built",
		Args:  noArgs,
		RunE: func(*cobra.Command, []string) error {
			_, err := fmt.Fprintln(e.stdout, versionLine())
			return err
		},
	}
}
