package serve

import (
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
)

// errNotTested is a run that has not finished, so has no test results.
var errNotTested = errors.New("the run has not finished: its test results come at the end of training")

// Evaluation is GET /api/runs/{run}/evaluation: the test set evaluated
// with the checkpoint the run tested, as `neurona eval --json` reports it.
type Evaluation struct {
	Checkpoint string  `json:"checkpoint"` // folder under checkpoints/
	Epoch      int     `json:"epoch"`
	Examples   int     `json:"examples"`
	Loss       float64 `json:"loss"`
	Accuracy   float64 `json:"accuracy"`
	// Classes names the entries of Precision, Recall and Support and the
	// rows (true class) and columns (predicted) of Confusion.
	Classes   []string  `json:"classes"`
	Precision []float64 `json:"precision"`
	Recall    []float64 `json:"recall"`
	Support   []int     `json:"support"` // test images per true class
	Confusion [][]int   `json:"confusion"`
}

// handleEvaluation is GET /api/runs/{run}/evaluation. The test set is
// evaluated once per loaded model, on the first request.
func (s *Server) handleEvaluation(w http.ResponseWriter, r *http.Request, rn *run) error {
	if st := s.readState(rn, nil); st.summary == nil {
		return &httpError{http.StatusConflict, errNotTested}
	}
	if s.models.testSet == nil {
		return &httpError{http.StatusNotFound, errors.New("this server was started without test data")}
	}
	var out *Evaluation
	err := s.models.use(rn, func(m *model) error {
		if m.eval == nil {
			t := m.t
			set, err := s.models.testSet(t)
			if err != nil {
				return fmt.Errorf("the test data of %s: %w", rn.name, err)
			}
			ev, err := t.Evaluate(set)
			if err != nil {
				return fmt.Errorf("evaluate %s: %w", t.Checkpoint.Dir, err)
			}
			support := make([]int, len(ev.Confusion))
			for c, row := range ev.Confusion {
				for _, n := range row {
					support[c] += n
				}
			}
			m.eval = &Evaluation{Checkpoint: filepath.Base(t.Checkpoint.Dir), Epoch: t.Checkpoint.Manifest.Epoch,
				Examples: ev.Examples, Loss: ev.Loss, Accuracy: ev.Accuracy,
				Classes: classNames(t.Data.Classes, t.Config.Model.Classes), Precision: ev.Precision, Recall: ev.Recall,
				Support: support, Confusion: ev.Confusion}
		}
		out = m.eval
		return nil
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, out)
}
