package human_test

import (
	"fmt"
	"testing"

	"github.com/neurona/neurona/internal/human"
)

func TestBytes(t *testing.T) {
	tests := []struct {
		n    int64
		want string
	}{
		{0, "0 B"},
		{999, "999 B"},
		{1000, "1.0 kB"},
		{31_400, "31.4 kB"},
		{999_949, "999.9 kB"},
		{999_950, "1.0 MB"},
		{8_040_000, "8.0 MB"},
		{999_949_999, "999.9 MB"},
		{999_950_000, "1.00 GB"},
		{47_040_000_000, "47.04 GB"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := human.Bytes(tt.n); got != tt.want {
				t.Errorf("Bytes(%d) = %q, want %q", tt.n, got, tt.want)
			}
		})
	}
}

func TestCount(t *testing.T) {
	tests := []struct {
		n          int
		noun, want string
	}{
		{0, "epoch", "0 epochs"},
		{1, "epoch", "1 epoch"},
		{2, "step", "2 steps"},
		{421, "step", "421 steps"},
	}
	for _, tt := range tests {
		if got := human.Count(tt.n, tt.noun); got != tt.want {
			t.Errorf("Count(%d, %q) = %q, want %q", tt.n, tt.noun, got, tt.want)
		}
	}
}

func Example() {
	fmt.Println(human.Bytes(31_400), human.Bytes(8_040_000))
	fmt.Println(human.Count(1, "epoch"), human.Count(6, "epoch"))
	// Output:
	// 31.4 kB 8.0 MB
	// 1 epoch 6 epochs
}
