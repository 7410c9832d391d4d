package cli

import (
	"os"
	"testing"
)

// testMainEnv makes the test binary run as neurona itself (Main on its
// arguments), for tests that need the program on $PATH: the bash
// completion script calls `neurona __complete ...`.
const testMainEnv = "NEURONA_TEST_AS_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(testMainEnv) == "1" {
		os.Exit(Main(os.Args[1:], os.Stdout, os.Stderr))
	}
	code := m.Run()
	if !closeFixtures(testing.Verbose()) && code == 0 {
		code = 1
	}
	os.Exit(code)
}
