package cli

import "bytes"

// The YAML parser's time grows faster than linearly with nesting and with
// the number of keys and items (a file under 1 MB nested 200,000 deep ran
// past 60 s and 6.3 GB; 25,000 keys take 20 s), so a config file's shape
// is bounded by scanning its bytes before it is parsed. A configuration is
// one flat mapping whose values may be lists: a few dozen keys, a few
// levels. The bounds are far above that and far below what is slow.
const (
	// maxConfigDepth bounds nesting as configDepth measures it: a valid
	// configuration measures at most 3 (a JSON object holding a list, or a
	// block list under its key).
	maxConfigDepth = 5
	maxConfigLines = 4096 // lines, comments included
	// maxConfigMarks bounds the bytes among ,:[]{} anywhere in the file
	// (comments and strings too, so that no misreading of them by the scan
	// can hide structure): each key or item takes one.
	maxConfigMarks = 4096
	// Bounds checked once parsed: a configuration has one key per flag,
	// and a list is --hidden's layers or --classes' names.
	maxConfigEntries   = 256
	maxConfigListItems = 1024
)

// utf8BOM starts files some Windows editors save.
var utf8BOM = []byte("\ufeff")

// checkConfigShape refuses, as a usage error naming the file (and the line
// where it gets too deep), a config file with more lines or marks than
// the bounds allow or nested deeper than maxConfigDepth.
func checkConfigShape(name string, b []byte) error {
	if n := bytes.Count(b, []byte{'\n'}); n > maxConfigLines {
		return usagef("%s: %d lines (a config file has at most %d: one flag name and value per line)", name, n, maxConfigLines)
	}
	marks := 0
	for _, c := range b {
		switch c {
		case ',', ':', '[', ']', '{', '}':
			marks++
		}
	}
	if marks > maxConfigMarks {
		return usagef("%s: %d of the characters , : [ ] { } (at most %d: a config file is one mapping of flag names to values)", name, marks, maxConfigMarks)
	}
	if line := configDepth(b, maxConfigDepth); line > 0 {
		return usagef("%s:%d: nested more than %d deep (a config file is one mapping of flag names to values; a value may be a list of numbers or words)", name, line, maxConfigDepth)
	}
	return nil
}

// configDepth returns the first line (from 1) at which b's YAML nests
// deeper than max, or 0. Depth counts the block indentation levels open
// on a line (each "- ", "? " or ": " that starts a node opens one more,
// after tags and anchors too) plus the flow collections ([ and {) open. Quoted strings, comments and
// block scalars (|, >) are skipped. It errs towards deeper: a "- x" item
// counts one level more than the parser nests it.
func configDepth(b []byte, max int) int {
	var indents []int  // columns of the open block levels, increasing
	flow := 0          // open [ and {
	var quote byte     // the open quote, across lines
	scalarIndent := -1 // the indentation of a block scalar's parent line, while in it
	for lineNo, line := range bytes.Split(b, []byte{'\n'}) {
		line = bytes.TrimSuffix(line, []byte{'\r'})
		indent := 0
		for indent < len(line) && (line[indent] == ' ' || line[indent] == '\t') {
			indent++
		}
		blank := indent == len(line) || line[indent] == '#'
		if scalarIndent >= 0 {
			if blank || indent > scalarIndent {
				continue // the block scalar's text
			}
			scalarIndent = -1
		}
		pos, prev := 0, byte(0) // prev: the last significant byte of the line, 0 at a node's start
		if quote == 0 && flow == 0 {
			if blank {
				continue
			}
			for len(indents) > 0 && indents[len(indents)-1] > indent {
				indents = indents[:len(indents)-1]
			}
			if len(indents) == 0 || indents[len(indents)-1] < indent {
				indents = append(indents, indent)
			}
			pos = skipProperties(line, indent)
			for pos < len(line) && (line[pos] == '-' || line[pos] == '?' || line[pos] == ':') && (pos+1 == len(line) || line[pos+1] == ' ' || line[pos+1] == '\t') {
				for pos++; pos < len(line) && (line[pos] == ' ' || line[pos] == '\t'); pos++ {
				}
				if indents[len(indents)-1] < pos {
					indents = append(indents, pos)
				}
				pos = skipProperties(line, pos)
			}
			if len(indents) > max {
				return lineNo + 1
			}
		}
		inline := 0 // "- ", "? " and ": " inside the line (the parser takes "a: - b" as a list)
		for ; pos < len(line); pos++ {
			c := line[pos]
			switch {
			case quote == '"' && c == '\\':
				pos++ // an escaped byte
			case quote == '\'' && c == '\'' && pos+1 < len(line) && line[pos+1] == '\'':
				pos++ // '' is a quote inside a single-quoted string
			case quote != 0:
				if c == quote {
					quote, prev = 0, c
				}
			case c == '#' && (pos == 0 || line[pos-1] == ' ' || line[pos-1] == '\t'):
				pos = len(line) // a comment, to the end of the line
			case c == ' ' || c == '\t':
			case (c == '"' || c == '\'') && nodeStart(prev):
				quote = c
			case (c == '!' || c == '&') && nodeStart(prev):
				pos = skipProperties(line, pos) - 1 // a tag or anchor: the node starts after it
			case (c == '-' || c == '?' || c == ':') && nodeStart(prev) && (pos+1 == len(line) || line[pos+1] == ' ' || line[pos+1] == '\t'):
				inline++
				if len(indents)+flow+inline > max {
					return lineNo + 1
				}
				prev = c
			case (c == '[' || c == '{') && (flow > 0 || nodeStart(prev)):
				flow++
				if len(indents)+flow+inline > max {
					return lineNo + 1
				}
				prev = c
			case (c == ']' || c == '}') && flow > 0:
				flow--
				prev = c
			default:
				prev = c
				blankNext := pos+1 == len(line) || line[pos+1] == ' ' || line[pos+1] == '\t'
				if flow == 0 && (bytes.IndexByte([]byte("-?,[{"), c) >= 0 || c == ':' && !blankNext) {
					prev = 'x' // a letter of a plain word, after which no node starts
				}
			}
		}
		// A line ending in | or > (after ": ", "- " or alone, with optional
		// indicators such as |- or >2) starts a block scalar: the lines
		// indented deeper are its text.
		if quote == 0 && flow == 0 && blockScalarHeader(line) {
			scalarIndent = indent
		}
	}
	return 0
}

// skipProperties returns the position after the tags (!!seq) and anchors
// (&a) at pos in line and the blanks after them: the node they belong to
// starts there.
func skipProperties(line []byte, pos int) int {
	for pos < len(line) && (line[pos] == '!' || line[pos] == '&') {
		for pos < len(line) && line[pos] != ' ' && line[pos] != '\t' {
			pos++
		}
		for pos < len(line) && (line[pos] == ' ' || line[pos] == '\t') {
			pos++
		}
	}
	return pos
}

// nodeStart reports whether a node may start after the significant byte
// prev (0: the start of a line or of an item): a quote or bracket there
// opens a string or a collection, while inside a plain word it is a letter.
func nodeStart(prev byte) bool {
	switch prev {
	case 0, ',', '[', '{', ':', '-', '?':
		return true
	}
	return false
}

// blockScalarHeader reports whether line ends (before any comment) with a
// block scalar's header: | or > with optional chomping and indentation
// indicators, after ": ", "- " or alone.
func blockScalarHeader(line []byte) bool {
	if i := bytes.Index(line, []byte(" #")); i >= 0 {
		line = line[:i]
	}
	line = bytes.TrimRight(line, " \t")
	end := len(line)
	for end > 0 && bytes.IndexByte([]byte("+-0123456789"), line[end-1]) >= 0 {
		end--
	}
	if end == 0 || (line[end-1] != '|' && line[end-1] != '>') {
		return false
	}
	before := bytes.TrimRight(line[:end-1], " \t")
	return len(before) == 0 || before[len(before)-1] == ':' || before[len(before)-1] == '-' || before[len(before)-1] == '?'
}
