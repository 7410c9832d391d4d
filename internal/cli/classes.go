package cli

import (
	"errors"

	"github.com/neurona/neurona/data"
	"github.com/neurona/neurona/train"
	"github.com/spf13/pflag"
)

// classesUsage is the help of every command's --classes flag.
const classesUsage = "class names, comma-separated, class 0 first (default: the data folder's classes.txt, or what the run recorded; else the numbers)"

// classesFlag adds --classes to fs.
func classesFlag(fs *pflag.FlagSet, list *string) { fs.StringVar(list, "classes", "", classesUsage) }

// parseClasses parses a --classes list; "" gives nil names.
func parseClasses(list string) ([]string, error) {
	if list == "" {
		return nil, nil
	}
	names, err := data.ParseClassNames(list, ",")
	if cn := new(data.ClassNamesError); errors.As(err, &cn) {
		return nil, usagef("--classes: %s", cn.Problem)
	} else if err != nil {
		return nil, err
	}
	return names, nil
}

// nameData names the classes of data about to be trained on by --classes
// (list), which must name exactly its classes.
func nameData(m *data.MNIST, list string) error {
	names, err := parseClasses(list)
	if err != nil || names == nil {
		return err
	}
	if m.Classes, err = m.Classes.WithNames(names); err != nil {
		if cn := new(data.ClassNamesError); errors.As(err, &cn) {
			return usagef("--classes: %s in %s", cn.Problem, m.Dir)
		}
		return err
	}
	return nil
}

// nameRun names the classes of a trained model by --classes (list), which
// must name exactly its classes; without it the model keeps the names its
// checkpoint recorded.
func nameRun(t *train.Trained, list string) error {
	names, err := parseClasses(list)
	if err != nil || names == nil {
		return err
	}
	if k := t.Config.Model.Classes; len(names) != k {
		return usagef("--classes: %d names, but %s has %d classes", len(names), t.Checkpoint.Dir, k)
	}
	t.Data.Classes = data.Classes{N: len(names), Names: names}
	return nil
}
