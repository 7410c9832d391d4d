// Package checkpoint saves and loads training checkpoints crash-safely.
//
// A checkpoint is a folder ckpt-<global step> inside a run's checkpoints/
// folder, holding:
//
//   - variables.json: each variable's path, dtype, shape, trainable flag and
//     byte range in variables.bin;
//   - variables.bin: the variables' raw little-endian values, concatenated;
//   - meta.json: the caller's state (configuration, counters, metrics), opaque
//     to this package;
//   - manifest.json: the format version, step, epoch, metrics, and every other
//     file with its size and SHA-256. It is written last.
//
// Save writes everything into a temporary folder (.tmp-*) next to the final
// one, fsyncs the files and the folder, renames it into place and fsyncs
// the parent: a crash at any instant leaves either no new checkpoint or a
// complete one, and a leftover .tmp-* folder is ignored by readers and
// removed by the next Manager. A checkpoint saved again at the same step
// (an epoch's end that is also a --save-every step) is swapped with the
// older one in one step on Linux (renameat2 RENAME_EXCHANGE), so that a
// crash leaves one or the other; elsewhere two renames leave a moment with
// the older one under a temporary name. Open checks the manifest, sizes and checksums
// before anything is used.
//
// GoMLX's ml/model/checkpoint package is not used: it writes straight into
// its final files, does not fsync, has no checksums, and at v0.28.2 its Save
// drops a write error. The format here is small enough to own.
package checkpoint
