package backend

import (
	"errors"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

func TestPrepareShards(t *testing.T) {
	defaultPool := "parallelism=" + strconv.Itoa(2*runtime.GOMAXPROCS(0))
	for _, tc := range []struct {
		name, backend string
		shards        int
		wantPool      string // in the backend's description after; "" when refused
		refused       bool
	}{
		{"a sharded step makes the default pool unlimited", Go, 2, "parallelism=-1", false},
		{"one shard leaves the pool as it was", Go, 1, defaultPool, false},
		{"operations run one at a time need nothing", Go + ":ops_sequential", 4, defaultPool, false},
		{"a pool bounded by an option is refused", Go + ":parallelism=3", 2, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, name, err := New(tc.backend)
			if err != nil {
				t.Fatal(err)
			}
			defer b.Finalize()
			err = PrepareShards(b, name, tc.shards)
			var pool *PoolError
			if tc.refused {
				if !errors.As(err, &pool) || pool.Parallelism != 3 || pool.Shards != tc.shards {
					t.Errorf("PrepareShards(%s, %d shards) = %v, want a *PoolError for parallelism 3", name, tc.shards, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("PrepareShards(%s, %d shards): %v", name, tc.shards, err)
			}
			if !strings.Contains(b.Description(), tc.wantPool) {
				t.Errorf("after PrepareShards(%s, %d shards) the backend says %q, want %s", name, tc.shards, b.Description(), tc.wantPool)
			}
		})
	}
}

func TestShardCores(t *testing.T) {
	cores := runtime.GOMAXPROCS(0)
	for _, tc := range []struct {
		name, backend string
		want          int
	}{
		{"the default pool runs a shard per core", Go, cores},
		{"an unlimited pool runs a shard per core", Go + ":parallelism=-1", cores},
		{"a bounded pool runs one", Go + ":parallelism=8", 1},
		{"operations one at a time run one", Go + ":ops_sequential", 1},
		{"another backend shards nothing itself", "xla:cuda", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ShardCores(tc.backend); got != tc.want {
				t.Errorf("ShardCores(%q) = %d, want %d", tc.backend, got, tc.want)
			}
		})
	}
}
