//go:build unix

package atomicfile

import (
	"io/fs"
	"os"
	"syscall"
)

// keepOwner gives the new file tmp the owner and group of the file old it
// replaces, where the process may (root may; others may only keep their
// own): a report rewritten by root stays its user's. A failure leaves the
// process's own, as a new file would have.
func keepOwner(tmp *os.File, old fs.FileInfo) {
	if st, ok := old.Sys().(*syscall.Stat_t); ok {
		_ = tmp.Chown(int(st.Uid), int(st.Gid))
	}
}
