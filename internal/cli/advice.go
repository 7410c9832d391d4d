package cli

import (
	"errors"
	"fmt"

	"github.com/neurona/neurona/data"
	"github.com/neurona/neurona/internal/human"
	"github.com/neurona/neurona/train"
	"github.com/neurona/neurona/train/backend"
	"github.com/neurona/neurona/train/runfolder"
)

// advice is what the command line adds to an engine error: the way around
// it, in the command line's words (its flags). The engine says what went
// wrong and names no flag; this is the one place that maps its typed
// errors to flags. "" when there is nothing to add.
func advice(err error) string {
	var (
		exists  *train.RunExistsError
		taken   *runfolder.RunDirsTakenError
		noCkpt  *runfolder.NoCheckpointError
		best    *train.BestGoneError
		inUse   *backend.CacheInUseError
		missing *data.NotFoundError
		pool    *backend.PoolError
	)
	switch {
	case errors.As(err, &exists):
		return fmt.Sprintf(" (continue it with --resume %s, or choose another --run-dir)", exists.Dir)
	case errors.As(err, &taken):
		return "; choose one with --run-dir"
	case errors.As(err, &noCkpt):
		return fmt.Sprintf("; train it again with `neurona train --run-dir %s` and the flags of the run (the folder is reused)", noCkpt.Dir)
	case errors.As(err, &best):
		return "; pass --no-restore-best"
	case errors.Is(err, train.ErrDiverged):
		return "; try a smaller --lr"
	case errors.Is(err, train.ErrWhileLoop):
		return " (--loop unroll avoids it)"
	case errors.As(err, &inUse):
		return "; --compile-cache=false compiles without it"
	case errors.As(err, &pool):
		return " (--shards 1, or --backend go:parallelism=-1)"
	case errors.As(err, &missing):
		return fmt.Sprintf("; pass --data-dir DIR, set %s=DIR, or run `neurona data fetch` to download them", data.EnvDataDir)
	}
	return ""
}

// withAdvice is err's line as the command line prints it: its first line
// (escaped for the terminal) and the advice for it.
func withAdvice(err error) string {
	return oneLine(err.Error()) + human.Text(advice(err))
}
