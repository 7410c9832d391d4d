package xlatest

import (
	"fmt"
	"regexp"
	"strings"
)

// StableHLO text as go-xla writes it (generic MLIR form, one statement per
// line): a region opens with "({" or "}, {" at the end of a line and closes
// with "})" or "}, {" at the start of one; its block's arguments are named
// on a line "^name(%a: type, ...) :"; a statement's results stand before
// " = " and its operands are the %names after it.
var (
	blockArgs = regexp.MustCompile(`^\^[\w.]+\((.*)\)\s*:\s*$`)
	funcArgs  = regexp.MustCompile(`^func\.func\s+@[\w.]+\((.*)\)\s*->`)
	ssaName   = regexp.MustCompile(`%[\w.#]+`)
	argName   = regexp.MustCompile(`(%[\w.#]+)\s*:`)
)

// CheckIsolated reports every use, inside a region (a While loop's body or
// condition, a reduction's function), of a value that region did not
// define: its block's arguments or a statement in it. XLA compiles each
// region as a computation of its own, which sees only its parameters. It
// also reports a use of a name defined nowhere before it.
func CheckIsolated(text string) error {
	type scope struct {
		defined map[string]bool
		line    int
	}
	var stack []*scope
	var problems []string
	push := func(line int) { stack = append(stack, &scope{defined: map[string]bool{}, line: line}) }
	pop := func(line int) error {
		if len(stack) < 2 {
			return fmt.Errorf("line %d: a region closes that never opened", line)
		}
		stack = stack[:len(stack)-1]
		return nil
	}
	for i, raw := range strings.Split(text, "\n") {
		n := i + 1
		line := strings.TrimSpace(raw)
		switch {
		case line == "" || strings.HasPrefix(line, "//"):
			continue
		case strings.HasPrefix(line, "func.func"):
			stack = stack[:0]
			push(n)
			if m := funcArgs.FindStringSubmatch(line); m != nil {
				for _, a := range argName.FindAllStringSubmatch(m[1], -1) {
					stack[0].defined[a[1]] = true
				}
			}
			continue
		case len(stack) == 0:
			continue // module header and the like
		}
		if strings.HasPrefix(line, "}, {") {
			if err := pop(n); err != nil {
				return err
			}
			push(n)
			continue
		}
		if strings.HasPrefix(line, "})") {
			if err := pop(n); err != nil {
				return err
			}
			continue // attributes and types follow, no operands
		}
		cur := stack[len(stack)-1]
		if m := blockArgs.FindStringSubmatch(line); m != nil {
			for _, a := range argName.FindAllStringSubmatch(m[1], -1) {
				cur.defined[a[1]] = true
			}
			continue
		}
		uses := line
		if results, rest, ok := strings.Cut(line, " = "); ok && strings.HasPrefix(results, "%") {
			uses = rest
			for _, r := range ssaName.FindAllString(results, -1) {
				cur.defined[r] = true
			}
		}
		for _, u := range ssaName.FindAllString(uses, -1) {
			if cur.defined[u] {
				continue
			}
			where := "defined nowhere before"
			for j := len(stack) - 2; j >= 0; j-- {
				if stack[j].defined[u] {
					where = fmt.Sprintf("defined outside it (in the region opened at line %d)", stack[j].line)
					break
				}
			}
			problems = append(problems, fmt.Sprintf("line %d: the region opened at line %d uses %s, %s", n, cur.line, u, where))
		}
		if strings.HasSuffix(line, "({") {
			push(n)
		}
	}
	if len(problems) > 0 {
		if len(problems) > 5 {
			problems = append(problems[:5], fmt.Sprintf("and %d more", len(problems)-5))
		}
		return fmt.Errorf("values used across regions:\n  %s", strings.Join(problems, "\n  "))
	}
	return nil
}
