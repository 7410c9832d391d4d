package data_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/neurona/neurona/data"
)

func TestParseClassNames(t *testing.T) {
	tests := []struct {
		text, sep string
		want      []string // nil: an error wrapping ErrClassNames
		errHas    string
	}{
		{"cat\ndog\nbird\n", "\n", []string{"cat", "dog", "bird"}, ""},
		{"  cat \n dog\n\n\n", "\n", []string{"cat", "dog"}, ""},
		{"T-shirt/top,Trouser,Ankle boot", ",", []string{"T-shirt/top", "Trouser", "Ankle boot"}, ""},
		{"chat,chien,oiseau bleu", ",", []string{"chat", "chien", "oiseau bleu"}, ""},
		{"cat\n\ndog\n", "\n", nil, "name 2 is empty"},
		{"cat,,dog", ",", nil, "name 2 is empty"},
		{"cat\ndog\ncat\n", "\n", nil, `name 3 "cat" is also name 1`},
		{"cat\n", "\n", nil, "need at least 2"},
		{"", "\n", nil, "need at least 2"},
		{"cat\nd\x00g\n", "\n", nil, "unprintable"},
		{"cat\nd\xffg\n", "\n", nil, "not UTF-8"},
		{"cat\n" + strings.Repeat("x", 65), "\n", nil, "65 bytes long (at most 64)"},
		{strings.Repeat("a,", 256) + "b", ",", nil, "257 names, at most 256"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%.20q", tt.text), func(t *testing.T) {
			got, err := data.ParseClassNames(tt.text, tt.sep)
			if tt.want != nil {
				if err != nil || !slices.Equal(got, tt.want) {
					t.Fatalf("= %q, %v; want %q", got, err, tt.want)
				}
				return
			}
			if !errors.Is(err, data.ErrClassNames) || !strings.Contains(err.Error(), tt.errHas) {
				t.Fatalf("= %q, %v; want an ErrClassNames saying %q", got, err, tt.errHas)
			}
		})
	}
}

func TestReadClassNames(t *testing.T) {
	write := func(t *testing.T, content string) string {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, data.ClassesFile), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	t.Run("no file: no names", func(t *testing.T) {
		if names, err := data.ReadClassNames(t.TempDir()); names != nil || err != nil {
			t.Fatalf("= %q, %v", names, err)
		}
	})
	t.Run("CRLF and a byte-order mark", func(t *testing.T) {
		names, err := data.ReadClassNames(write(t, "\ufeffcat\r\ndog\r\n"))
		if err != nil || !slices.Equal(names, []string{"cat", "dog"}) {
			t.Fatalf("= %q, %v", names, err)
		}
	})
	t.Run("a bad name names the file", func(t *testing.T) {
		dir := write(t, "cat\ncat\n")
		_, err := data.ReadClassNames(dir)
		if !errors.Is(err, data.ErrClassNames) || !strings.Contains(err.Error(), filepath.Join(dir, data.ClassesFile)) {
			t.Fatalf("error %v", err)
		}
	})
	t.Run("a huge file is refused unread", func(t *testing.T) {
		_, err := data.ReadClassNames(write(t, strings.Repeat("x", 1<<20)))
		if !errors.Is(err, data.ErrClassNames) || !strings.Contains(err.Error(), "longer than") {
			t.Fatalf("error %v", err)
		}
	})
	t.Run("a directory is not a regular file", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.Mkdir(filepath.Join(dir, data.ClassesFile), 0o755); err != nil {
			t.Fatal(err)
		}
		if _, err := data.ReadClassNames(dir); !errors.Is(err, data.ErrNotRegular) {
			t.Fatalf("error %v", err)
		}
	})
}

func TestLoadDirClasses(t *testing.T) {
	dir := copyMini(t, func(s string) string { return s + ".gz" })
	m, err := data.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	// The mini folder's labels are 0, 5, 9 (train) and 7, 1 (test).
	if m.Classes.N != 10 || m.Classes.Named() || m.Classes.Label(3) != "digit 3" {
		t.Errorf("without classes.txt: %+v, Label(3) %q", m.Classes, m.Classes.Label(3))
	}
	names := "zero\none\ntwo\nthree\nfour\nfive\nsix\nseven\neight\nnine\nten\n"
	if err := os.WriteFile(filepath.Join(dir, data.ClassesFile), []byte(names), 0o644); err != nil {
		t.Fatal(err)
	}
	if m, err = data.LoadDir(dir); err != nil {
		t.Fatal(err)
	}
	if m.Classes.N != 11 || m.Classes.Label(7) != "seven" || m.Classes.Noun() != "class" {
		t.Errorf("with classes.txt: %+v", m.Classes)
	}
}

func TestClassesWithNames(t *testing.T) {
	c := data.Classes{N: 3}
	if got, err := c.WithNames([]string{"a", "b", "c"}); err != nil || got.N != 3 || got.Name(2) != "c" {
		t.Errorf("3 names for 3 classes: %+v, %v", got, err)
	}
	for _, names := range [][]string{{"a", "b"}, {"a", "b", "c", "d"}} {
		if _, err := c.WithNames(names); !errors.Is(err, data.ErrClassNames) || !strings.Contains(err.Error(), "names for 3 classes") {
			t.Errorf("%d names for 3 classes: %v, want ErrClassNames saying so", len(names), err)
		}
	}
	if c.Name(2) != "2" || c.Label(2) != "class 2" {
		t.Errorf("unnamed: %q, %q", c.Name(2), c.Label(2))
	}
}

// FuzzParseClassNames checks that no classes.txt makes the parser panic,
// and that whatever it accepts is a list of valid, distinct names.
func FuzzParseClassNames(f *testing.F) {
	for _, s := range []string{"cat\ndog\n", "a\n\nb", "\ufeffx\r\ny", "a\na", strings.Repeat("z\n", 300)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		names, err := data.ParseClassNames(text, "\n")
		if err != nil {
			if !errors.Is(err, data.ErrClassNames) {
				t.Fatalf("error %v does not wrap ErrClassNames", err)
			}
			return
		}
		if len(names) < 2 || len(names) > data.MaxClasses {
			t.Fatalf("%d names accepted", len(names))
		}
		seen := map[string]bool{}
		for _, n := range names {
			if n == "" || len(n) > 64 || !utf8.ValidString(n) || seen[n] || strings.ContainsAny(n, "\n\r\x00") {
				t.Fatalf("bad name %q accepted", n)
			}
			seen[n] = true
		}
	})
}
