// Package human formats numbers for people: sizes in bytes with the unit
// that fits ("7.9 kB", not "0.0 MB") and counts with their noun in the
// singular or plural ("1 epoch", "2 epochs"), and text read from files or
// folder names escaped so that a terminal shows it instead of obeying it
// (Text). The training log and the command line share it so that both say
// the same thing the same way.
//
//	human.Bytes(31400)         // "31.4 kB"
//	human.Count(1, "epoch")    // "1 epoch"
//	human.Count(3, "step")     // "3 steps"
//	human.Text("run\x1b[2J")   // `run\x1b[2J`
package human

import "fmt"

// Bytes prints a size in decimal units: "512 B", "31.4 kB", "8.0 MB",
// "1.23 GB".
func Bytes(n int64) string {
	switch {
	case n < 1000:
		return fmt.Sprintf("%d B", n)
	case n < 999_950:
		return fmt.Sprintf("%.1f kB", float64(n)/1e3)
	case n < 999_950_000:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	}
	return fmt.Sprintf("%.2f GB", float64(n)/1e9)
}

// Count is n and noun, the noun in the plural (with an s) unless n is 1.
func Count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
