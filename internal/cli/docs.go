package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// The command reference, docs/commands.md, is generated from the cobra
// commands themselves (as the GitHub CLI's cmd/gen-docs does), so that it
// cannot drift from --help; TestCommandsDocUpToDate fails when it is stale.
// It is written here rather than by cobra's doc package: GenMarkdownTree
// writes one file per command with a dated footer, knows nothing of the
// flag groups help shows, and the package pulls in go-md2man for man pages.

// RegenerateDocs is the command that rewrites docs/commands.md (what
// `make docs` runs).
const RegenerateDocs = "go run ./cmd/gen-docs"

// WriteReference writes neurona's command reference in Markdown: every
// command, its description, usage line and flags (in the groups help
// shows), with their defaults.
func WriteReference(w io.Writer) error {
	e := &env{ctx: context.Background(), stdout: io.Discard, stderr: io.Discard, getenv: func(string) string { return "" }}
	root := newRootCmd(e, commands(e)...)
	var b strings.Builder
	b.WriteString("# Command reference\n\n")
	b.WriteString("Generated from neurona's commands by `make docs` (`" + RegenerateDocs + "`): do not edit it by hand.\n")
	b.WriteString("Each command prints the same with `--help`. The global flags, accepted by every command, are\n")
	b.WriteString("under [neurona](#neurona). How flags are written, config files and exit codes:\n")
	b.WriteString("[configuration.md](configuration.md).\n\n")
	var all []*cobra.Command
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		all = append(all, c)
		for _, sub := range c.Commands() {
			if sub.IsAvailableCommand() {
				walk(sub)
			}
		}
	}
	walk(root)
	for _, c := range all[1:] {
		depth := strings.Count(c.CommandPath(), " ") - 1
		fmt.Fprintf(&b, "%s- [%s](#%s): %s\n", strings.Repeat("  ", depth), c.CommandPath(), anchor(c.CommandPath()), escapeMarkdown(c.Short))
	}
	for _, c := range all {
		b.WriteString("\n")
		writeCommandDoc(&b, c)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeCommandDoc writes one command's section, in the order help prints it.
func writeCommandDoc(b *strings.Builder, c *cobra.Command) {
	fmt.Fprintf(b, "## %s\n\n", c.CommandPath())
	about := c.Long
	if about == "" {
		about = c.Short
		if c.HasParent() { // a subcommand's Short is a phrase; help makes it a sentence too
			about = strings.ToUpper(about[:1]) + about[1:] + "."
		}
	}
	writeProse(b, about)
	fmt.Fprintf(b, "```\n%s\n```\n", usageLine(c))
	if c.Example != "" {
		fmt.Fprintf(b, "\nExamples:\n\n```\n%s\n```\n", strings.Trim(c.Example, "\n"))
	}
	if subs := availableSubcommands(c); len(subs) > 0 {
		b.WriteString("\nCommands:\n\n")
		for _, sub := range subs {
			if sub.Name() == "help" {
				continue
			}
			fmt.Fprintf(b, "- [%s](#%s): %s\n", sub.Name(), anchor(sub.CommandPath()), escapeMarkdown(sub.Short))
		}
	}
	local := visibleFlags(c.LocalFlags())
	for _, g := range groupFlags(local) {
		writeFlagTable(b, g.heading, g.flags)
	}
	// The global flags (--pjrt-plugin, and --help once) are listed with
	// neurona itself, not repeated under every command as help does.
}

// writeProse writes a command's description: its paragraphs as text, and
// those with indented lines (commands to type) as code.
func writeProse(b *strings.Builder, s string) {
	for _, para := range strings.Split(strings.TrimSpace(s), "\n\n") {
		if strings.Contains("\n"+para, "\n ") {
			fmt.Fprintf(b, "```\n%s\n```\n\n", para)
			continue
		}
		fmt.Fprintf(b, "%s\n\n", escapeMarkdown(para))
	}
}

// writeFlagTable writes flags as a table of name, default and meaning.
func writeFlagTable(b *strings.Builder, heading string, flags []*pflag.Flag) {
	fmt.Fprintf(b, "\n%s:\n\n| flag | default | meaning |\n| --- | --- | --- |\n", heading)
	for _, f := range flags {
		_, usage := pflag.UnquoteUsage(f)
		def := ""
		if !zeroDefault(f) {
			def = "`" + strings.ReplaceAll(portable(f.DefValue), "|", `\|`) + "`"
		}
		fmt.Fprintf(b, "| `%s` | %s | %s |\n", strings.TrimSpace(flagName(f)), def, escapeCell(usage))
	}
}

// portable writes a default that names this machine's cache or home
// folder (data's --cache-dir) as on any Linux machine, so that the
// reference does not depend on who generates it.
func portable(def string) string {
	if cache, err := os.UserCacheDir(); err == nil && strings.HasPrefix(def, cache+string(filepath.Separator)) {
		return "~/.cache" + filepath.ToSlash(def[len(cache):])
	}
	if home, err := os.UserHomeDir(); err == nil && strings.HasPrefix(def, home+string(filepath.Separator)) {
		return "~" + filepath.ToSlash(def[len(home):])
	}
	return def
}

// markdownEscaper keeps text that help prints as it is when Markdown
// renders it: no tags from <run-dir>, no emphasis from a *.
var markdownEscaper = strings.NewReplacer(`\`, `\\`, "<", "&lt;", ">", "&gt;", "*", `\*`)

func escapeMarkdown(s string) string { return markdownEscaper.Replace(s) }

// escapeCell is escapeMarkdown for a table cell: one line, no bare |.
func escapeCell(s string) string {
	return strings.ReplaceAll(strings.Join(strings.Fields(escapeMarkdown(s)), " "), "|", `\|`)
}

// anchor is the fragment GitHub gives the heading "## path".
func anchor(path string) string { return strings.ReplaceAll(path, " ", "-") }
