package human

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxQuoted is how much of a value an error quotes: an argument or a
// file's value can be megabytes long, and an error is one line.
const MaxQuoted = 40

// Clip cuts s to MaxQuoted bytes (on a rune boundary) and marks the cut
// with "…".
func Clip(s string) string {
	if len(s) <= MaxQuoted {
		return s
	}
	n := MaxQuoted
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// Quote is s quoted as %q does, cut to MaxQuoted bytes with "…" after
// the closing quote: errors about an argument never echo more of it.
func Quote(s string) string {
	c := Clip(s)
	if c == s {
		return strconv.Quote(s)
	}
	return strconv.Quote(strings.TrimSuffix(c, "…")) + "…"
}
