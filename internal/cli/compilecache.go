package cli

import (
	"github.com/neurona/neurona/train/backend"
	"github.com/spf13/pflag"
)

// compileCacheFlag defines --compile-cache, of train and bench: XLA's
// autotuning cache for xla:cuda (backend.CacheOptions).
func compileCacheFlag(fs *pflag.FlagSet, on *bool) {
	fs.BoolVar(on, "compile-cache", true, "xla:cuda: keep XLA's kernel autotuning results in the user cache folder "+
		"(neurona/xla-autotune, one folder per plugin and GPU), so that compiling the same shapes again is about 5x faster; "+
		"--compile-cache=false: off")
}

// compileCache is the compile cache train's run asks for.
func (o *trainOptions) compileCache() backend.CacheOptions {
	return backend.CacheOptions{Off: !o.cache}
}
