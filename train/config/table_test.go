package config

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite docs/configuration.md's table of settings")

// The table of settings in docs/configuration.md lies between these lines.
const (
	tableStart = "<!-- settings: generated from train/config.Fields; regenerate with `go test ./train/config -run TestTableDocUpToDate -update` -->\n"
	tableEnd   = "<!-- end of settings -->\n"
)

// TestTableDocUpToDate: docs/configuration.md's table of settings is what
// WriteTable makes of Fields now.
func TestTableDocUpToDate(t *testing.T) {
	path := filepath.Join("..", "..", "docs", "configuration.md")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	start, end := strings.Index(doc, tableStart), strings.Index(doc, tableEnd)
	if start < 0 || end < start {
		t.Fatalf("%s lacks the lines that hold the table of settings:\n%s%s", path, tableStart, tableEnd)
	}
	var table strings.Builder
	if err := WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	got, want := doc[start+len(tableStart):end], table.String()
	if got == want {
		return
	}
	if *update {
		doc = doc[:start+len(tableStart)] + want + doc[end:]
		if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	gotLines, wantLines := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := range max(len(gotLines), len(wantLines)) {
		g, w := "", ""
		if i < len(gotLines) {
			g = gotLines[i]
		}
		if i < len(wantLines) {
			w = wantLines[i]
		}
		if g != w {
			t.Fatalf("docs/configuration.md's table of settings is stale at row %d:\n have %s\n want %s\nregenerate it with `go test ./train/config -run TestTableDocUpToDate -update`", i, g, w)
		}
	}
}
