package cli

import (
	"slices"
	"testing"
)

func TestExtractPJRTPlugin(t *testing.T) {
	for _, tc := range []struct {
		name     string
		args     []string
		wantArgs []string
		want     string
		wantErr  bool
	}{
		{"absent", []string{"train", "--lr", "0.1"}, []string{"train", "--lr", "0.1"}, "", false},
		{"before the command", []string{"--pjrt-plugin", "/p.so", "backends"}, []string{"backends"}, "/p.so", false},
		{"after the command, with =", []string{"train", "--pjrt-plugin=/p.so", "--epochs", "1"}, []string{"train", "--epochs", "1"}, "/p.so", false},
		{"with one dash", []string{"eval", "-pjrt-plugin", "/d", "run"}, []string{"eval", "run"}, "/d", false},
		{"without a value", []string{"train", "--pjrt-plugin"}, nil, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args, plugin, err := extractPJRTPlugin(tc.args)
			if (err != nil) != tc.wantErr || plugin != tc.want || !slices.Equal(args, tc.wantArgs) {
				t.Errorf("extractPJRTPlugin(%q) = %q, %q, %v", tc.args, args, plugin, err)
			}
		})
	}
}

func TestBackendFlag(t *testing.T) {
	for want, args := range map[string][]string{
		"go":       {"train", "--backend", "go"},
		"xla:cuda": {"train", "--epochs", "1", "--backend=xla:cuda"},
		"":         {"train"},
	} {
		if got := backendFlag(args); got != want {
			t.Errorf("backendFlag(%q) = %q, want %q", args, got, want)
		}
	}
}
