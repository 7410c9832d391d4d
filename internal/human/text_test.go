package human_test

import (
	"encoding/json"
	"reflect"
	"testing"
	"unicode/utf8"

	"github.com/neurona/neurona/internal/human"
)

func TestTextEscapesWhatATerminalWouldObey(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain text is left as it is", "mlp-20260101-120000", "mlp-20260101-120000"},
		{"letters beyond ASCII are left as they are", "épreuve ç 数字 7", "épreuve ç 数字 7"},
		{"a backslash is left as it is", `a\b`, `a\b`},
		{"ESC [2J (clear the screen) is escaped", "run\x1b[2J", `run\x1b[2J`},
		{"an OSC 0 window title is escaped", "\x1b]0;pwned\a", `\x1b]0;pwned\a`},
		{"an OSC 52 clipboard write is escaped", "\x1b]52;c;ZWNobyBoaQ==\x1b\\", `\x1b]52;c;ZWNobyBoaQ==\x1b\`},
		{"newline, tab and carriage return are escaped", "a\nb\tc\rd", `a\nb\tc\rd`},
		{"NUL and DEL are escaped", "a\x00b\x7f", `a\x00b\x7f`},
		{"a C1 control (CSI, U+009B) is escaped", "a\u009b2J", `a\u009b2J`},
		{"a right-to-left override is escaped", "abc\u202etxt.exe", `abc\u202etxt.exe`},
		{"every bidi embedding and override is escaped", "\u202a\u202b\u202c\u202d\u202e", `\u202a\u202b\u202c\u202d\u202e`},
		{"every bidi isolate is escaped", "\u2066\u2067\u2068\u2069", `\u2066\u2067\u2068\u2069`},
		{"bidi marks and zero-width characters are escaped", "\u200e\u200f\u061c\u200b\ufeff", `\u200e\u200f\u061c\u200b\ufeff`},
		{"line and paragraph separators are escaped", "a\u2028b\u2029", `a\u2028b\u2029`},
		{"a tag character beyond the BMP is escaped", "a\U000e0041", `a\U000e0041`},
		{"invalid UTF-8 is escaped byte by byte", "a\xff\xc3(", `a\xff\xc3(`},
		{"a C1 control as a raw byte is escaped", "a\x9b2J", `a\x9b2J`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := human.Text(tt.in); got != tt.want {
				t.Errorf("Text(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// FuzzText checks that Text's output is valid UTF-8 holding nothing a
// terminal acts on, and that plain text goes through unchanged.
func FuzzText(f *testing.F) {
	for _, s := range []string{"", "plain", "\x1b]52;c;aGk=\a", "\u202e", "\xff", "\u009b", "é\u2066"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := human.Text(s)
		if !utf8.ValidString(got) {
			t.Fatalf("Text(%q) = %q: not UTF-8", s, got)
		}
		for _, r := range got {
			if r < 0x20 || r >= 0x7f && r < 0xa0 || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 {
				t.Fatalf("Text(%q) = %q holds %U", s, got, r)
			}
		}
		if human.Text(got) != got {
			t.Fatalf("Text is not stable on its output: Text(%q) = %q", got, human.Text(got))
		}
	})
}

func TestJSONEscapesWhatTextWouldInsideStrings(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain JSON is left as it is", `{"a":"épreuve"}` + "\n", `{"a":"épreuve"}` + "\n"},
		{"a right-to-left override becomes \\u202e", "[\"a\u202eb\"]", `["a\u202eb"]`},
		{"a C1 control becomes \\u009b", "[\"a\u009b\"]", `["a\u009b"]`},
		{"a tag character becomes a surrogate pair", "[\"\U000e0041\"]", `["\udb40\udc41"]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := human.JSON([]byte(tt.in))
			if string(got) != tt.want {
				t.Errorf("JSON(%q) = %q, want %q", tt.in, got, tt.want)
			}
			var a, b any
			if json.Unmarshal([]byte(tt.in), &a) != nil || json.Unmarshal(got, &b) != nil || !reflect.DeepEqual(a, b) {
				t.Errorf("JSON(%q) = %q: not the same value", tt.in, got)
			}
		})
	}
}
