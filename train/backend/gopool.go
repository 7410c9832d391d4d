package backend

import (
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"strconv"
	"strings"

	"github.com/gomlx/compute"
)

// ShardCores is how many cores the Go backend named name (as New returns
// it) can run the shards of a training step on, side by side: GOMAXPROCS
// with its default worker pool or an unlimited one (parallelism=-1); 1
// when it runs operations one at a time, or when parallelism=N bounds its
// pool (see PrepareShards); 0 for another backend.
func ShardCores(name string) int {
	if !IsGo(name) {
		return 0
	}
	parallelism, given, sequential := goPool(name)
	if sequential || given && parallelism != -1 {
		return 1
	}
	return runtime.GOMAXPROCS(0)
}

// PoolError is PrepareShards' error for a Go backend whose worker pool a
// sharded step could deadlock.
type PoolError struct {
	Name                string // the backend, as New returns it
	Parallelism, Shards int
}

func (e *PoolError) Error() string {
	return fmt.Sprintf("a step in %d shards can deadlock backend %s: a worker pool of %d may be held by matrix products "+
		"that each wait for another worker (GoMLX compute v0.1.2); an unlimited pool (parallelism=-1) or 1 shard runs",
		e.Shards, e.Name, e.Parallelism)
}

// errNoPool: the Go backend's worker pool was not where PrepareShards
// looks for it (a GoMLX version other than compute v0.1.2).
var errNoPool = errors.New("the Go backend's worker pool could not be set unlimited (GoMLX compute v0.1.2 expected)")

// PrepareShards readies backend b, named name (as New returns it), for a
// training step split into shards: on the Go backend with its default
// worker pool it makes the pool unlimited; with a pool bounded by
// parallelism=N (N >= 2) it refuses with a *PoolError. Other backends, one
// shard, and a Go backend running operations one at a time need nothing.
//
// Why: the Go backend (compute v0.1.2) runs each ready operation on a
// worker of a pool of twice the cores, and a large matrix product, once
// running, waits in the pool for more workers to split itself over
// without giving its own back. An unsharded step has at most two such
// products ready at once; a step in S shards has up to 2·S, which fill a
// pool of 2·cores with products that all wait: the step hangs (as
// parallelism=2 does unsharded: checkGoOptions). An unlimited pool starts
// a goroutine per ready operation, and Go's scheduler shares the cores.
//
// GoMLX offers the setting only as the option "parallelism=-1", which also
// prints a line on stdout; the pool is set here through the backend's
// exported field instead, and checked in its description.
func PrepareShards(b compute.Backend, name string, shards int) error {
	if shards <= 1 || !IsGo(name) {
		return nil
	}
	parallelism, given, sequential := goPool(name)
	switch {
	case sequential || given && (parallelism == -1 || parallelism <= 1):
		return nil // one at a time, unlimited, or no pool at all
	case given:
		return &PoolError{Name: name, Parallelism: parallelism, Shards: shards}
	}
	if inner, ok := b.(closureSafeBackend); ok {
		b = inner.Backend
	}
	v := reflect.ValueOf(b)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return errNoPool
	}
	workers := v.Elem().FieldByName("Workers")
	if !workers.IsValid() {
		return errNoPool
	}
	set := workers.MethodByName("SetMaxParallelism")
	if !set.IsValid() || set.Type().NumIn() != 1 || set.Type().In(0).Kind() != reflect.Int || set.Type().NumOut() != 0 {
		return errNoPool
	}
	set.Call([]reflect.Value{reflect.ValueOf(-1)})
	if !strings.Contains(b.Description(), "parallelism=-1") {
		return errNoPool
	}
	return nil
}

// goPool reads the Go backend name's options: the parallelism=N given
// (given false: the default pool) and whether it runs operations one at a
// time.
func goPool(name string) (parallelism int, given, sequential bool) {
	for _, opt := range strings.Split(strings.TrimPrefix(strings.TrimPrefix(name, Go), ":"), ",") {
		key, value, _ := strings.Cut(opt, "=")
		switch key {
		case "ops_sequential":
			sequential = true
		case "parallelism":
			if p, err := strconv.Atoi(value); err == nil {
				parallelism, given = p, true
			}
		}
	}
	return parallelism, given, sequential
}
