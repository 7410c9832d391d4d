package runfolder

import "testing"

func TestValidBackendName(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want bool
	}{
		{"the Go backend is valid", "go", true},
		{"the Go backend with options is valid", "go:parallelism=4,ops_sequential", true},
		{"an XLA plugin is valid", "xla:cuda", true},
		{"an empty name is not", "", false},
		{"an unknown family is not", "tpu", false},
		{"an escape sequence is not", "go:\x1b[2J", false},
		{"a bidi override is not", "xla:cpu\u202e", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ValidBackendName(tt.in); got != tt.want {
				t.Errorf("ValidBackendName(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}
