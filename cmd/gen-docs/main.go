// Command gen-docs writes docs/commands.md, neurona's command reference,
// from the cobra commands themselves (`make docs`). Run it from the
// repository's root, or give the file to write with -out.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"

	"github.com/neurona/neurona/internal/atomicfile"
	"github.com/neurona/neurona/internal/cli"
)

func main() {
	out := flag.String("out", "docs/commands.md", "the Markdown file to write")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "gen-docs: unexpected argument %q (it takes only -out FILE)\n", flag.Arg(0))
		os.Exit(2)
	}
	var b bytes.Buffer
	if err := cli.WriteReference(&b); err != nil {
		fmt.Fprintf(os.Stderr, "gen-docs: %v\n", err)
		os.Exit(1)
	}
	if err := atomicfile.WriteFile(*out, b.Bytes()); err != nil {
		fmt.Fprintf(os.Stderr, "gen-docs: %v\n", err)
		os.Exit(1)
	}
}
