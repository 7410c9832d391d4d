package bench

import (
	"slices"
	"testing"
)

func TestRowFormatsTimeToTarget(t *testing.T) {
	r := Result{Backend: "go", Batch: 128, TargetAccuracy: 0.98, TargetReached: true, TimeToTargetSec: 20.94, EpochsToTarget: 4}
	if got := Row(r)[len(Header)-1]; got != "20.9s (4 ep)" {
		t.Errorf("time to target cell %q", got)
	}
	r.TargetReached, r.FinalTestAccuracy = false, 0.9712
	if got := Row(r)[len(Header)-1]; got != "not reached (0.9712)" {
		t.Errorf("time to target cell %q", got)
	}
	if len(Row(r)) != len(Header) {
		t.Errorf("%d cells for %d columns", len(Row(r)), len(Header))
	}
}

func TestRowSaysWhetherTheCompileCacheWasWarm(t *testing.T) {
	compile := slices.Index(Header, "compile s")
	if compile < 0 {
		t.Fatalf("no compile column in %q", Header)
	}
	for _, tc := range []struct{ name, cache, want string }{
		{"without a cache, the seconds alone", "", "5.02"},
		{"a cold cache says so", "cold", "5.02 cold"},
		{"a warm cache says so", "warm", "5.02 warm"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Row(Result{CompileSeconds: 5.02, CompileCache: tc.cache})[compile]; got != tc.want {
				t.Errorf("compile cell %q, want %q", got, tc.want)
			}
		})
	}
}

func TestRowSaysThePrecision(t *testing.T) {
	column := slices.Index(Header, "precision")
	if column < 0 {
		t.Fatalf("no precision column in %q", Header)
	}
	for _, tc := range []struct{ name, precision, want string }{
		{"a report written before precisions were measured is f32", "", "f32"},
		{"f32 is f32", "f32", "f32"},
		{"bf16 is bf16", "bf16", "bf16"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Row(Result{Precision: tc.precision})[column]; got != tc.want {
				t.Errorf("precision cell %q, want %q", got, tc.want)
			}
		})
	}
}

func TestRowSaysTheShardsAndWhetherTheyWereAutomatic(t *testing.T) {
	column := slices.Index(Header, "shards")
	if column < 0 {
		t.Fatalf("no shards column in %q", Header)
	}
	for _, tc := range []struct {
		name   string
		result Result
		want   string
	}{
		{"shards asked for", Result{Shards: 4}, "4"},
		{"shards picked for the machine", Result{Shards: 2, AutoShards: true}, "2 auto"},
		{"a report written before shards existed: unsplit", Result{}, "1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Row(tc.result)[column]; got != tc.want {
				t.Errorf("shards cell %q, want %q", got, tc.want)
			}
		})
	}
}
