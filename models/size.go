package models

// Param is one trainable tensor of a model.
type Param struct {
	Name  string `json:"name"`
	Shape []int  `json:"shape"`
}

// Size is what a model holds and computes, counted from its layers (no
// graph is built) in float64: a spec read from a file may declare any
// shape, and these counts are compared against the machine's memory
// (train.CheckMemory) or a file's length (the checkpoint checks) before
// anything is allocated, so they must not overflow. Counts up to 2^53 are
// exact.
type Size struct {
	// Params is the trainable values, weights and biases.
	Params float64
	// MultiplyAdds is one example's forward pass: the work that decides
	// how GoMLX's Go backend schedules a model and what benchmarks count
	// FLOPs by.
	MultiplyAdds float64
	// Activations is the values one example's forward pass keeps for the
	// backward pass: its input and every layer's outputs, before and
	// after the activation, the probabilities or loss terms last.
	Activations float64
}

// SizeOf counts m's size from its layers.
func SizeOf(m Model) Size {
	s := Size{Activations: float64(m.Spec().Inputs)}
	for _, l := range m.Layers() {
		ls := l.Size()
		s.Params += ls.Params
		s.MultiplyAdds += ls.MultiplyAdds
		s.Activations += ls.Activations
	}
	return s
}

// Size counts the model s describes (SizeOf of New(s)); the error is s's
// validation error.
func (s Spec) Size() (Size, error) {
	m, err := New(s)
	if err != nil {
		return Size{}, err
	}
	return SizeOf(m), nil
}

// ParamsOf returns m's trainable variables, in the order its graph creates
// them, and their total size (SizeOf's count), from its layers: no graph
// is built (the tests check they are the graph's). The total is exact for
// any model whose Size was checked against a machine or a file.
func ParamsOf(m Model) (params []Param, total int) {
	for _, l := range m.Layers() {
		params = append(params, l.Params()...)
	}
	return params, int(SizeOf(m).Params)
}
