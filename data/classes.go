package data

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxClasses is the most classes a dataset can have: labels are bytes.
const MaxClasses = 256

// ClassesFile is the optional file of a data folder that names its classes,
// one name per line, class 0 first.
const ClassesFile = "classes.txt"

// Limits on class names, so that a hostile classes.txt cannot make the
// pictures, tables or memory grow without bound.
const (
	maxClassNameBytes = 64
	maxClassesFile    = MaxClasses * (maxClassNameBytes + 2) // every name at its longest, with CR LF
)

// ErrClassNames is matched by every error about class names (a bad
// classes.txt or list of names): each is a *ClassNamesError.
var ErrClassNames = errors.New("data: bad class names")

// ClassNamesError is a bad list of class names: Problem says what is
// wrong and what is accepted, in words that name no front end, so that a
// front end can put it after its own name for the list.
type ClassNamesError struct{ Problem string }

func (e *ClassNamesError) Error() string { return ErrClassNames.Error() + ": " + e.Problem }

// Is makes every ClassNamesError match ErrClassNames.
func (e *ClassNamesError) Is(target error) bool { return target == ErrClassNames }

// classNamesErrorf returns a ClassNamesError, its problem formatted.
func classNamesErrorf(format string, args ...any) error {
	return &ClassNamesError{Problem: fmt.Sprintf(format, args...)}
}

// Classes says how many classes a dataset has and what they are called.
// Names is nil when the classes are known by their numbers only.
type Classes struct {
	N     int      `json:"n"`
	Names []string `json:"names,omitempty"`
}

// Name returns class c's name, or its number when the classes have no names.
func (c Classes) Name(i int) string {
	if i >= 0 && i < len(c.Names) {
		return c.Names[i]
	}
	return strconv.Itoa(i)
}

// Named reports whether the classes have names of their own.
func (c Classes) Named() bool { return len(c.Names) > 0 }

// Label returns how a sentence names class i: "digit 3" for MNIST's
// unnamed classes, "class 3" for another dataset's, and the name itself
// ("cat") when the classes are named.
func (c Classes) Label(i int) string {
	switch {
	case c.Named():
		return c.Name(i)
	case c.N == NumClasses:
		return "digit " + strconv.Itoa(i)
	}
	return "class " + strconv.Itoa(i)
}

// Noun is what a class is called in headings: "digit" for MNIST's
// unnamed ten classes, else "class".
func (c Classes) Noun() string {
	if !c.Named() && c.N == NumClasses {
		return "digit"
	}
	return "class"
}

// ParseClassNames parses names given as text: one per line (classes.txt)
// or separated by sep (--classes a,b,c). Surrounding spaces are trimmed and
// empty trailing lines ignored. Each name must be 1 to 64 bytes of printable
// UTF-8 without control characters, names must differ, and there must be 2
// to MaxClasses of them. Errors wrap ErrClassNames and say which name is bad.
func ParseClassNames(text, sep string) ([]string, error) {
	parts := strings.Split(text, sep)
	if sep == "\n" {
		for len(parts) > 0 && strings.TrimSpace(parts[len(parts)-1]) == "" {
			parts = parts[:len(parts)-1]
		}
	}
	if len(parts) > MaxClasses {
		return nil, classNamesErrorf("%d names, at most %d (labels are bytes)", len(parts), MaxClasses)
	}
	seen := make(map[string]int, len(parts))
	names := make([]string, len(parts))
	for i, p := range parts {
		name := strings.TrimSpace(p)
		if err := checkClassName(name); err != nil {
			return nil, classNamesErrorf("name %d %s", i+1, err)
		}
		if j, dup := seen[name]; dup {
			return nil, classNamesErrorf("name %d %q is also name %d (names must differ)", i+1, name, j+1)
		}
		seen[name], names[i] = i, name
	}
	if len(names) < 2 {
		return nil, classNamesErrorf("%d name, need at least 2 (a classifier tells classes apart)", len(names))
	}
	return names, nil
}

// checkClassName says what is wrong with one class name, or returns nil.
func checkClassName(name string) error {
	switch {
	case name == "":
		return errors.New("is empty")
	case len(name) > maxClassNameBytes:
		return fmt.Errorf("is %d bytes long (at most %d)", len(name), maxClassNameBytes)
	case !utf8.ValidString(name):
		return fmt.Errorf("%q is not UTF-8", name)
	}
	for _, r := range name {
		if !unicode.IsPrint(r) && r != ' ' {
			return fmt.Errorf("%q holds the unprintable character %U", name, r)
		}
	}
	return nil
}

// ReadClassNames reads the class names of a data folder's classes.txt.
// A folder without one gives nil names and no error. The file must be a
// regular file of at most about 17 KB (256 names of 64 bytes).
func ReadClassNames(dir string) ([]string, error) {
	path := filepath.Join(dir, ClassesFile)
	f, _, err := openRegular(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	raw, err := io.ReadAll(io.LimitReader(f, maxClassesFile+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(raw) > maxClassesFile {
		return nil, fmt.Errorf("%s: %w", path, classNamesErrorf("longer than %d bytes (at most %d names of %d bytes)",
			maxClassesFile, MaxClasses, maxClassNameBytes))
	}
	raw = bytes.TrimPrefix(raw, []byte("\ufeff")) // a byte-order mark some editors write
	names, err := ParseClassNames(strings.ReplaceAll(string(raw), "\r\n", "\n"), "\n")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return names, nil
}

// countClasses returns the dataset's classes: as many as names when there
// are names (LoadDir has checked every label is below their count), else
// the largest label of either split plus one.
func countClasses(train, test *Set, names []string) Classes {
	if names != nil {
		return Classes{N: len(names), Names: names}
	}
	most := -1
	for _, s := range []*Set{train, test} {
		for _, l := range s.Labels {
			most = max(most, int(l))
		}
	}
	return Classes{N: most + 1}
}

// WithNames returns c named by names (from --classes), which must name
// exactly c.N classes: one name per class. More names would give the model
// outputs for classes no label has, which it could never learn.
func (c Classes) WithNames(names []string) (Classes, error) {
	if len(names) != c.N {
		return c, classNamesErrorf("%d names for %d classes (labels 0 to %d; one name per class)", len(names), c.N, c.N-1)
	}
	return Classes{N: len(names), Names: names}, nil
}

// Check says what is wrong with classes read from a file someone else
// wrote (a checkpoint's record), or returns nil: N must be 2 to MaxClasses,
// and names, if any, one valid and distinct name per class.
func (c Classes) Check() error {
	if c.N < 2 || c.N > MaxClasses {
		return classNamesErrorf("%d classes (must be 2 to %d)", c.N, MaxClasses)
	}
	if c.Names == nil {
		return nil
	}
	if len(c.Names) != c.N {
		return classNamesErrorf("%d names for %d classes", len(c.Names), c.N)
	}
	parsed, err := ParseClassNames(strings.Join(c.Names, "\n"), "\n")
	if err != nil {
		return err
	}
	if !slices.Equal(parsed, c.Names) { // a name with a line break or spaces around it
		return classNamesErrorf("names %q are not one trimmed line each", c.Names)
	}
	return nil
}
