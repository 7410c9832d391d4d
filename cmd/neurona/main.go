// Command neurona trains neural networks on MNIST from the command line.
// Run `neurona help` for the commands.
package main

import (
	"os"

	"github.com/neurona/neurona/internal/cli"
)

func main() {
	cli.ReexecForCUDA(os.Args[1:], os.Stderr)
	os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr))
}
