package data

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/neurona/neurona/internal/safefile"
)

// DefaultMirrors are public mirrors serving the four original MNIST files at
// BASE + NAME + ".gz". Fetch tries them in order.
var DefaultMirrors = []string{
	"https://ossci-datasets.s3.amazonaws.com/mnist/",
	"https://storage.googleapis.com/cvdf-datasets/mnist/",
}

// ErrChecksum: a downloaded file's SHA-256 differs from the one in Files.
var ErrChecksum = errors.New("data: checksum mismatch")

// maxDownload caps one download; the largest MNIST file is 9.9 MB, so a
// larger body is wrong whatever it is and need not fill the disk.
const maxDownload = 64 << 20

// Fetch makes dir (created with mode 0o755 if needed) hold the four original
// MNIST .gz files. Files already present with the right SHA-256 are kept;
// each other one is downloaded from the first mirror that works (nil mirrors
// means DefaultMirrors; each mirror is a base URL to which "/" is added if
// missing, then NAME.gz), written to a temporary file in dir, checked against
// its SHA-256, synced and renamed into place, so that dir never holds a
// partial or corrupt NAME.gz. A download with the wrong hash is an error
// wrapping ErrChecksum that names the file and the mirror; Fetch then tries
// the next mirror. A nil client means http.DefaultClient with a timeout;
// logf, which may be nil, hears about each file. Cancelling ctx stops Fetch.
func Fetch(ctx context.Context, client *http.Client, mirrors []string, dir string, logf func(format string, args ...any)) error {
	if client == nil {
		client = defaultClient()
	}
	if len(mirrors) == 0 {
		mirrors = DefaultMirrors
	}
	if logf == nil {
		logf = func(string, ...any) {}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("fetch MNIST: %w", err)
	}
	first := 0 // the mirror that served the previous file is tried first
	for _, f := range Files {
		dst := filepath.Join(dir, f.Name+".gz")
		switch sum, _, err := fileSHA256(dst); {
		case err == nil && sum == f.SHA256:
			logf("%s: present, SHA-256 ok", dst)
			continue
		case err == nil:
			logf("%s: SHA-256 %s, want %s: fetching it again", dst, sum, f.SHA256)
		case errors.Is(err, ErrNotRegular):
			// A folder, named pipe, device or link where the file goes:
			// renaming the download over it would replace it.
			return fmt.Errorf("fetch MNIST: %w", err)
		}
		var errs []error
		fetched := false
		for k := range mirrors {
			i := (first + k) % len(mirrors)
			err := fetchFile(ctx, client, mirrors[i], f, dst, logf)
			if err == nil {
				first, fetched = i, true
				break
			}
			if ctx.Err() != nil {
				return fmt.Errorf("fetch %s.gz: %w", f.Name, ctx.Err())
			}
			logf("%v", err)
			errs = append(errs, err)
		}
		if !fetched {
			return fmt.Errorf("fetch %s.gz: no mirror worked: %w", f.Name, errors.Join(errs...))
		}
	}
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("fetch MNIST: sync %s: %w", dir, err)
	}
	return nil
}

// fetchFile downloads f from one mirror to dst through a temporary file in
// the same folder, which is removed unless it was verified and renamed.
func fetchFile(ctx context.Context, client *http.Client, mirror string, f FileSpec, dst string,
	logf func(string, ...any)) (err error) {
	if !strings.HasSuffix(mirror, "/") {
		mirror += "/"
	}
	url := mirror + f.Name + ".gz"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err // a *url.Error names the method and URL
	}
	defer resp.Body.Close() // read-only: nothing to lose
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	if resp.ContentLength > maxDownload {
		return fmt.Errorf("GET %s: %d bytes is more than any MNIST file", url, resp.ContentLength)
	}

	// The leading dot keeps the partial file out of directory listings, and
	// its name matches none that LoadDir looks for.
	tmp, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".*.tmp")
	if err != nil {
		return fmt.Errorf("fetch %s: %w", url, err)
	}
	renamed := false
	defer func() {
		if !renamed {
			tmp.Close() // may already be closed; the file goes anyway
			if rmErr := os.Remove(tmp.Name()); rmErr != nil {
				err = errors.Join(err, rmErr)
			}
		}
	}()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), io.LimitReader(resp.Body, maxDownload+1))
	if err != nil {
		return fmt.Errorf("GET %s: %w", url, err)
	}
	if n > maxDownload {
		return fmt.Errorf("GET %s: more than %d bytes, more than any MNIST file", url, maxDownload)
	}
	if sum := hex.EncodeToString(h.Sum(nil)); sum != f.SHA256 {
		return fmt.Errorf("%w: %s.gz from %s has SHA-256 %s, want %s", ErrChecksum, f.Name, mirror, sum, f.SHA256)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("fetch %s: %w", url, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("fetch %s: %w", url, err)
	}
	if _, err := safefile.Replaceable(dst); err != nil { // put there during the download?
		return fmt.Errorf("fetch %s: %w", url, err)
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return fmt.Errorf("fetch %s: %w", url, err)
	}
	renamed = true
	logf("%s: %d bytes from %s, SHA-256 ok", dst, n, url)
	return nil
}

// syncDir flushes dir's entries (the renames) to disk. Windows cannot sync a
// directory, and does not need to for a rename to survive.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// fileSHA256 returns the lower-case hex SHA-256 of the file at path and its
// size. Only a regular file is read (see openRegular).
func fileSHA256(path string) (string, int64, error) {
	f, _, err := openRegular(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close() // read-only
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, fmt.Errorf("%s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// FileStatus describes one MNIST file in a folder, as Verify found it.
type FileStatus struct {
	Name      string   // the FileSpec name, e.g. "train-images-idx3-ubyte"
	Path      string   // the file found (gzipped or not), "" if none
	Others    []string // other spellings of it present, which must hold the same data
	Size      int64    // bytes on disk
	SHA256    string   // lower-case hex SHA-256 of the file on disk
	KnownHash bool     // a .gz file whose SHA256 is the original's
	Err       error    // nil if the file exists, parses and has the expected shape
}

// Verify reports on each of the four MNIST files in dir: the path found (as
// LoadDir finds it) and the other copies present, its size and SHA-256,
// whether that is the original .gz file's hash (a gunzipped file never is),
// and whether it parses as an IDX file of the shape LoadDir expects, with
// as many entries as its partner (images and labels of one split) and the
// same data as the other copies. It fails a file for the same reasons
// LoadDir does, and does not stop at the first problem. A file whose header
// disagrees with its partner's count is not read further.
func Verify(dir string) []FileStatus {
	out := make([]FileStatus, len(Files))
	for i, f := range Files {
		partner := Files[i^1] // images and labels of a split are 0,1 and 2,3
		out[i] = verifyFile(dir, f, partner)
	}
	return out
}

// verifyFile checks one file of dir for Verify; partner is the other file
// of its split, whose count it must match.
func verifyFile(dir string, f, partner FileSpec) FileStatus {
	st := FileStatus{Name: f.Name}
	p, others, err := findFile(dir, f.Name)
	if err != nil {
		st.Err = err
		return st
	}
	st.Path, st.Others = p, others
	if st.SHA256, st.Size, err = fileSHA256(p); err != nil {
		st.Err = err
		return st
	}
	st.KnownHash = strings.HasSuffix(p, ".gz") && st.SHA256 == f.SHA256
	st.Err = verifyContent(dir, f.Name, p, others, partner)
	return st
}

// verifyContent reads the IDX file at path (the first copy of name found)
// and checks it as LoadDir would: shape, count against the partner file's
// header, label values, and the other copies' data.
func verifyContent(dir, name, path string, others []string, partner FileSpec) error {
	x, err := openIDXFile(path)
	if err != nil {
		return alsoPresent(err, others)
	}
	defer x.Close()
	images := strings.Contains(name, "-images-")
	check := checkLabelShape
	if images {
		check = checkImageShape
	}
	if err := check(x.dims()); err != nil {
		return alsoPresent(fmt.Errorf("%s: %w", path, err), others)
	}
	if pp, _, err := findFile(dir, partner.Name); err == nil {
		if px, err := openIDXFile(pp); err == nil {
			n, k := x.dims()[0], px.dims()[0]
			px.Close()
			if n != k {
				what, pwhat := "images", "labels"
				if !images {
					what, pwhat = pwhat, what
				}
				return fmt.Errorf("%w: %s has %d %s, %s has %d %s", ErrCountMismatch, path, n, what, pp, k, pwhat)
			}
		}
	}
	m, err := x.read()
	if err != nil {
		return alsoPresent(err, others)
	}
	if !images {
		names, err := ReadClassNames(dir)
		if err != nil {
			return err
		}
		if err := checkLabelValues(m.Data, cmp.Or(len(names), MaxClasses)); err != nil {
			return alsoPresent(fmt.Errorf("%s: %w", path, err), others)
		}
	}
	return sameCopies(path, m, others)
}
