package cli

import (
	"fmt"
	"slices"
	"strings"

	"github.com/neurona/neurona/internal/atomicfile"
	"github.com/neurona/neurona/internal/export"
	"github.com/neurona/neurona/internal/human"
	"github.com/neurona/neurona/train/backend"
	"github.com/neurona/neurona/train/buildinfo"
	"github.com/spf13/cobra"
)

// Export formats (--format).
const (
	formatONNX = "onnx"
	formatNPZ  = "npz"
)

var exportFormats = []string{formatONNX, formatNPZ}

// exportOptions is what `neurona export` was asked to do.
type exportOptions struct {
	path    string // run folder or checkpoint folder
	format  string
	out     string
	classes string // --classes
	input   export.Input
}

// Values of --input-type and --input-shape.
var (
	inputTypes  = []string{"float32", "uint8"}
	inputShapes = []string{"flat", "image"}
)

// newCmdExport builds `neurona export`; runF, if not nil, runs instead of
// exportRun.
func newCmdExport(e *env, runF func(*exportOptions) error) *cobra.Command {
	o := &exportOptions{}
	var inputType, inputShape string
	cmd := &cobra.Command{
		Use:   "export <run-dir|checkpoint> --out FILE [--format onnx|npz]",
		Short: "write a trained model as ONNX (its inference graph) or npz (its weights for NumPy)",
		Long: "Writes the model of a run's newest valid checkpoint (or of the checkpoint given) in a format\n" +
			"other programs read: onnx, the inference graph (pixels 0-255 in; probabilities, class and scores\n" +
			"out; the image size and class names in its metadata) for ONNX Runtime and other ONNX tools, or\n" +
			"npz, the weights as NumPy arrays. docs/export.md has the details and examples.",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("want one run folder or checkpoint to export, got %d arguments (see `%s --help`)", len(args), cmd.CommandPath())
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			o.path = args[0]
			if !slices.Contains(exportFormats, o.format) {
				return usagef("--format %s is not a format (accepted: %s)", human.Text(firstChars(o.format, 20)), strings.Join(exportFormats, ", "))
			}
			if err := exportInput(cmd, o, inputType, inputShape); err != nil {
				return err
			}
			if o.out == "" {
				return usagef("--out is missing (want the file to write, e.g. --out model.%s)", o.format)
			}
			if err := checkOut("--out", o.out); err != nil {
				return err
			}
			if runF != nil {
				return runF(o)
			}
			return exportRun(e, o)
		},
	}
	cmd.Flags().StringVar(&o.format, "format", formatONNX, "onnx (the inference graph) or npz (the weights as NumPy arrays)")
	cmd.Flags().StringVar(&o.out, "out", "", "file to write (replaced if it is there)")
	cmd.Flags().StringVar(&inputType, "input-type", "float32", "onnx: the pixels' type, float32 or uint8 (0-255 either way)")
	cmd.Flags().StringVar(&inputShape, "input-shape", "flat", "onnx: the pixels' shape, flat [N, rows*cols] or image [N, rows, cols]")
	classesFlag(cmd.Flags(), &o.classes)
	return cmd
}

// exportInput checks --input-type and --input-shape into o.input: ONNX
// options, refused with npz (it has no input).
func exportInput(cmd *cobra.Command, o *exportOptions, inputType, inputShape string) error {
	for _, f := range []struct {
		name, value string
		accepted    []string
	}{{"--input-type", inputType, inputTypes}, {"--input-shape", inputShape, inputShapes}} {
		if !slices.Contains(f.accepted, f.value) {
			return usagef("%s %s is not accepted (accepted: %s)", f.name, human.Text(firstChars(f.value, 20)), strings.Join(f.accepted, ", "))
		}
		if o.format != formatONNX && cmd.Flags().Changed(f.name[2:]) {
			return usagef("%s is for --format onnx (an npz file holds only the weights)", f.name)
		}
	}
	o.input = export.Input{Uint8: inputType == "uint8", Image: inputShape == "image"}
	return nil
}

// exportRun exports as o says.
func exportRun(e *env, o *exportOptions) error {
	// The Go backend always exists; the checkpoint is only read, and its
	// configuration checked by loading it as predict would.
	t, _, release, err := openTrained(e, "export", o.path, backend.Go)
	if err != nil {
		return err
	}
	defer release()
	if err := nameRun(t, o.classes); err != nil {
		return err
	}
	m, err := export.FromCheckpoint(t.Config.Model, t.Config.Average, t.Data.Classes, t.Data.ImageRows, t.Data.ImageCols, t.Checkpoint.Variables)
	if err != nil {
		return fmt.Errorf("checkpoint %s: %w", human.Text(t.Checkpoint.Dir), err)
	}
	m.Producer = buildinfo.Version
	var out []byte
	if o.format == formatNPZ {
		out, err = export.NPZ(m)
	} else {
		out, err = export.ONNX(m, o.input)
	}
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(o.out, out); err != nil {
		return fmt.Errorf("write %s: %w", human.Text(o.out), err)
	}
	fmt.Fprintf(e.stdout, "wrote %s (%s, %s, %d bytes) from %s\n", human.Text(o.out), o.format, t.Config.Model, len(out), human.Text(t.Checkpoint.Dir))
	return nil
}

// firstChars cuts s to n bytes at most, for an error to quote.
func firstChars(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}
