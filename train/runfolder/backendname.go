package runfolder

import "regexp"

// backendName is the shape of the backend names a run records (what
// train/backend's Choose returns): "go" with its options
// ("go:parallelism=4"), or "xla:" and a plugin's name.
var backendName = regexp.MustCompile(`^(go(:[a-z0-9_=,]{1,64})?|xla:[a-z0-9_]{1,32})$`)

// ValidBackendName reports whether name, read back from a run's files (its
// summary, a checkpoint's meta.json), has the shape of a backend name: lists
// show one that does not as invalid instead of printing it.
func ValidBackendName(name string) bool { return backendName.MatchString(name) }
