package cli

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/neurona/neurona/models"
	"github.com/neurona/neurona/train"
)

func runBackends(e *env, args []string) error {
	fs := newFlags("backends", "backends [--json]", e.stdout)
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	list := train.Backends()
	train.Describe(list)
	if *asJSON {
		return json.NewEncoder(e.stdout).Encode(list)
	}
	chosen, chooseErr := train.ChooseBackend("")
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
	backend, _, err := train.NewBackend(train.GoBackend)
	if err != nil {
		return err
	}
	defer backend.Finalize()
	w := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "MODEL\tARCHITECTURE (defaults)\tPARAMETERS\tSHAPES")
	for _, name := range models.Names {
		def := train.Defaults(name)
		m, err := models.New(def.Model)
		if err != nil {
			return err
		}
		params, total, err := models.Params(backend, m)
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
	b := train.Build()
	fmt.Fprintf(e.stdout, "neurona %s (GoMLX %s, %s %s/%s, GOEXPERIMENT=%s)\n", b.Version, b.GoMLX, b.GoVersion, b.OS, b.Arch, b.GOEXPERIMENT)
	return nil
}
