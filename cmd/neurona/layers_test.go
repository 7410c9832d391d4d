package main

import (
	"go/build"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/neurona/neurona/"

// layers are neurona's packages from the top (the commands) down
// (docs/design.md): a package imports only packages of lower layers, so imports run
// one way, from commands down to data. The small helpers at the bottom are
// internal/ (visibility), below the engine (direction).
var layers = [][]string{
	{"cmd/neurona", "cmd/gen-docs"},
	{"internal/cli"},
	{"internal/sweep", "internal/serve"},
	{"internal/runs"},
	{"internal/report"},
	{"internal/viz", "internal/export", "train/bench"},
	{"train"},
	{"train/backend", "train/runfolder"},
	{"train/checkpoint", "train/config"},
	{"models", "data", "train/buildinfo"},
	{"internal/atomicfile"},
	{"internal/human", "internal/safejson", "internal/safefile", "internal/onnx", "internal/field"},
}

// testHelpers are imported by tests only, below every layer.
var testHelpers = []string{"internal/xlatest"}

// TestImportsRunDownTheLayers reads every package's imports (go list's
// Imports, from the sources) and checks each one goes to a lower layer,
// and that every package has a layer.
func TestImportsRunDownTheLayers(t *testing.T) {
	layerOf := map[string]int{}
	for i, layer := range layers {
		for _, p := range layer {
			layerOf[p] = i
		}
	}
	for _, p := range testHelpers {
		layerOf[p] = len(layers)
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		top := filepath.Dir(path) == root // bin/ and runs/ are outputs only at the top
		if name := d.Name(); path != root && (name == "testdata" || strings.HasPrefix(name, ".") || top && (name == "bin" || name == "runs")) {
			return filepath.SkipDir
		}
		pkg, err := build.ImportDir(path, 0)
		if _, none := err.(*build.NoGoError); none {
			return nil
		}
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		layer, ok := layerOf[rel]
		if !ok {
			t.Errorf("package %s has no layer: add it to layers (and to docs/design.md's package map)", rel)
			return nil
		}
		seen++
		check := func(imports []string, test bool) {
			where := ""
			if test {
				where = " in its tests"
			}
			for _, imp := range imports {
				dep, ours := strings.CutPrefix(imp, module)
				if !ours || dep == rel {
					continue
				}
				below, known := layerOf[dep]
				switch {
				case !known:
					t.Errorf("%s imports %s%s, which has no layer", rel, dep, where)
				case slices.Contains(testHelpers, dep) && !test:
					t.Errorf("%s imports the test helper %s outside its tests", rel, dep)
				case below <= layer:
					t.Errorf("%s (layer %d) imports %s (layer %d)%s: imports must go down the layers", rel, layer, dep, below, where)
				}
			}
		}
		check(pkg.Imports, false)
		check(pkg.TestImports, true)
		check(pkg.XTestImports, true)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen < len(layerOf) {
		t.Errorf("found %d of the %d packages the layers name: remove the ones that are gone", seen, len(layerOf))
	}
}
