package config

import (
	"fmt"

	"github.com/neurona/neurona/data"
)

// FitData sizes c's model to the data: its inputs to the images' pixels
// and its outputs to the dataset's classes. A model left at zero inputs or
// classes (Defaults leaves them so) takes the data's; one that names them
// must agree with the data, else the error says both. A dataset whose labels
// are all one class cannot train a classifier.
func (c *Config) FitData(m *data.MNIST) error {
	pixels, rows, cols := m.Train.ImageSize(), m.Train.Rows, m.Train.Cols
	switch {
	case c.Model.Inputs == 0:
		c.Model.Inputs = pixels
	case c.Model.Inputs != pixels:
		return fmt.Errorf("%w: the model takes %d inputs, but the images in %s have %dx%d = %d pixels",
			ErrConfig, c.Model.Inputs, m.Dir, rows, cols, pixels)
	}
	classes := m.Classes.N
	switch {
	case classes < 2:
		return fmt.Errorf("%w: the labels in %s hold %d class (need at least 2 to tell apart)", ErrConfig, m.Dir, classes)
	case c.Model.Classes == 0:
		c.Model.Classes = classes
	case c.Model.Classes != classes:
		return fmt.Errorf("%w: the model has %d classes, but the data in %s has %d", ErrConfig, c.Model.Classes, m.Dir, classes)
	}
	return nil
}
