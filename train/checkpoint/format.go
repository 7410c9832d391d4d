package checkpoint

import (
	"errors"
	"time"

	"github.com/neurona/neurona/internal/safefile"
)

// FormatVersion is the version of the checkpoint layout written by Save.
const FormatVersion = 1

// File names inside a checkpoint folder.
const (
	ManifestFile  = "manifest.json"
	MetaFile      = "meta.json"
	VariablesFile = "variables.json"
	BlobFile      = "variables.bin"
)

// Errors a checkpoint can fail validation with; each is wrapped with the
// checkpoint's folder and the file concerned.
var (
	ErrManifest = errors.New("checkpoint: manifest does not parse")
	ErrVersion  = errors.New("checkpoint: unknown format version")
	ErrMissing  = errors.New("checkpoint: file missing")
	ErrSize     = errors.New("checkpoint: file size differs from the manifest (truncated?)")
	ErrChecksum = errors.New("checkpoint: SHA-256 differs from the manifest")
	ErrCorrupt  = errors.New("checkpoint: contents are inconsistent")
	ErrNone     = errors.New("checkpoint: no valid checkpoint")
	// ErrNotRegular: a checkpoint's files must be regular files inside its
	// folder; symlinks, folders, FIFOs and devices are refused unread. It
	// is safefile.ErrNotRegular, which every reader of neurona shares.
	ErrNotRegular = safefile.ErrNotRegular
)

// FileEntry is one file listed in the manifest.
type FileEntry struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Manifest is manifest.json.
type Manifest struct {
	FormatVersion int                `json:"format_version"`
	Step          int                `json:"global_step"`
	Epoch         int                `json:"epoch"` // completed epochs
	Reason        string             `json:"reason"`
	Metrics       map[string]float64 `json:"metrics,omitempty"`
	Created       time.Time          `json:"created"`
	Files         []FileEntry        `json:"files"`
}

// Variable is one saved tensor.
type Variable struct {
	Path      string `json:"path"`
	DType     string `json:"dtype"` // GoMLX dtype name, e.g. "Float32"
	Shape     []int  `json:"shape"`
	Trainable bool   `json:"trainable"`
	Offset    int64  `json:"offset"` // in variables.bin
	Size      int64  `json:"size"`
	Data      []byte `json:"-"`
}

// Checkpoint is a loaded, validated checkpoint.
type Checkpoint struct {
	Dir       string
	Manifest  Manifest
	Meta      []byte // meta.json, as saved
	Variables []Variable
}
