package sweep

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxQuoted is how much of a value an error quotes: an argument can be
// megabytes long, and an error is one line.
const maxQuoted = 40

// clip cuts s to maxQuoted bytes (on a rune boundary) and marks the cut
// with "…".
func clip(s string) string {
	if len(s) <= maxQuoted {
		return s
	}
	n := maxQuoted
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// Quote is s quoted for an error, cut to maxQuoted bytes with "…": errors
// about an argument never echo more of it than that.
func Quote(s string) string {
	c := clip(s)
	if c == s {
		return strconv.Quote(s)
	}
	return strconv.Quote(strings.TrimSuffix(c, "…")) + "…"
}
