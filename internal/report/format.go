package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/neurona/neurona/internal/safejson"
)

// flatten lists the fields of v's JSON form in their order, nested
// objects as "model.hidden", lists joined by commas: the configuration as
// summary.json and meta.json spell it.
func flatten(v any) ([][2]string, error) {
	b, err := safejson.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var out [][2]string
	var walk func(prefix string) error
	walk = func(prefix string) error {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				for dec.More() {
					key, err := dec.Token()
					if err != nil {
						return err
					}
					name := fmt.Sprint(key)
					if prefix != "" {
						name = prefix + "." + name
					}
					if err := walk(name); err != nil {
						return err
					}
				}
			case '[':
				var items []string
				for dec.More() {
					var item any
					if err := dec.Decode(&item); err != nil {
						return err
					}
					items = append(items, fmt.Sprint(item))
				}
				out = append(out, [2]string{prefix, strings.Join(items, ", ")})
			}
			_, err := dec.Token() // the closing delimiter
			return err
		case nil:
			out = append(out, [2]string{prefix, "null"})
		default:
			out = append(out, [2]string{prefix, fmt.Sprint(t)})
		}
		return nil
	}
	if err := walk(""); err != nil {
		return nil, fmt.Errorf("report: configuration: %w", err)
	}
	return out, nil
}

// thousands formats n with thin separators: 669,706.
func thousands(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

func seconds(s float64) string {
	if s < 10 {
		return fmt.Sprintf("%.2f s", s)
	}
	return fmt.Sprintf("%.1f s", s)
}

func optional(x *float64) string {
	if x == nil {
		return "–"
	}
	return fmt.Sprintf("%.4f", *x)
}

// stepCount is "1 step" or "12,345 steps".
func stepCount(n int) string {
	if n == 1 {
		return "1 step"
	}
	return thousands(n) + " steps"
}
