package human

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// Text makes s safe to print on a terminal: every byte of it that a
// terminal would act on instead of show is written as a Go escape, so a
// folder name or a string read from a file can neither clear the screen,
// set the window title, write the clipboard (OSC 52) nor reorder the
// text around it. Escaped are:
//
//   - control characters: C0 (including ESC, tab and newline), DEL and C1
//     (U+0080-U+009F, which some terminals obey like ESC [);
//   - format characters, among them the bidirectional overrides and
//     isolates U+202A-U+202E and U+2066-U+2069, the marks U+200E, U+200F
//     and U+061C, and zero-width characters;
//   - the line and paragraph separators U+2028 and U+2029;
//   - each byte of invalid UTF-8, as \xNN.
//
// Other text, backslashes included, is left as it is: a path stays
// readable. Text("a\x1b]52;c;aGk=\a") is `a\x1b]52;c;aGk=\a`.
func Text(s string) string {
	if !needsEscape(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case !escaped(r):
			b.WriteString(s[i : i+size])
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\a':
			b.WriteString(`\a`)
		case r < 0x80:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r <= 0xffff:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			fmt.Fprintf(&b, `\U%08x`, r)
		}
		i += size
	}
	return b.String()
}

// JSON escapes, in JSON text b, the characters Text would as \uXXXX (a
// surrogate pair beyond U+FFFF): the same JSON value, safe on a terminal.
// encoding/json already escapes C0 and replaces invalid UTF-8; the
// characters left can only stand inside strings, where \u is valid.
func JSON(b []byte) []byte {
	if !needsEscape(string(b)) {
		return b
	}
	out := make([]byte, 0, len(b)+16)
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		switch {
		case r < 0x7f || !escaped(r) || r == utf8.RuneError && size <= 1:
			out = append(out, b[i:i+size]...)
		case r <= 0xffff:
			out = fmt.Appendf(out, `\u%04x`, r)
		default:
			hi, lo := utf16.EncodeRune(r)
			out = fmt.Appendf(out, `\u%04x\u%04x`, hi, lo)
		}
		i += size
	}
	return out
}

// needsEscape reports whether Text would change s: most strings are plain
// and go through without a copy.
func needsEscape(s string) bool {
	for i := 0; i < len(s); {
		if c := s[i]; c >= 0x20 && c < 0x7f {
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size <= 1 || escaped(r) {
			return true
		}
		i += size
	}
	return false
}

// escaped reports whether a terminal might act on r instead of showing it.
func escaped(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '\u2028' || r == '\u2029'
}
