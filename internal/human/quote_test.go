package human_test

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/neurona/neurona/internal/human"
)

func TestQuote(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"a short value is quoted whole", "1e-3", `"1e-3"`},
		{"a value of exactly the bound is quoted whole", strings.Repeat("a", human.MaxQuoted), `"` + strings.Repeat("a", human.MaxQuoted) + `"`},
		{"a long value is cut, the cut marked after the quote", strings.Repeat("7", 1<<20), `"` + strings.Repeat("7", human.MaxQuoted) + `"…`},
		{"a cut never splits a character", strings.Repeat("a", human.MaxQuoted-1) + "é" + "z", `"` + strings.Repeat("a", human.MaxQuoted-1) + `"…`},
		{"control characters are escaped", "a\nb", `"a\nb"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := human.Quote(tt.in); got != tt.want {
				t.Errorf("Quote = %.80q, want %.80q", got, tt.want)
			}
		})
	}
}

func TestClip(t *testing.T) {
	for _, in := range []string{"", "short", strings.Repeat("é", 100), strings.Repeat("x", 1000)} {
		got := human.Clip(in)
		if !utf8.ValidString(got) || len(got) > human.MaxQuoted+len("…") || (len(in) <= human.MaxQuoted) != (got == in) {
			t.Errorf("Clip(%.20q...) = %q", in, got)
		}
	}
}

func ExampleQuote() {
	fmt.Println(human.Quote("512,512"))
	fmt.Println(human.Quote(strings.Repeat("9", 100)))
	// Output:
	// "512,512"
	// "9999999999999999999999999999999999999999"…
}
