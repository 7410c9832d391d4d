"""Reads MNIST's four gzipped IDX files, checked, with the standard library
only (numpy turns the bytes into arrays in the scripts that use it).

An IDX file is a big-endian header: two zero bytes, a type code (0x08:
unsigned bytes), the number of dimensions, then each dimension as a 32-bit
count, then the data. The reader checks the magic, the type, the rank it
expects and that the data is exactly as long as the dimensions say, before
returning anything, and bounds what it decompresses.
"""

import gzip
import os
import struct
import zlib

FILES = {
    "train_images": ("train-images-idx3-ubyte.gz", 3),
    "train_labels": ("train-labels-idx1-ubyte.gz", 1),
    "test_images": ("t10k-images-idx3-ubyte.gz", 3),
    "test_labels": ("t10k-labels-idx1-ubyte.gz", 1),
}

# MNIST's training images are 47 MB unpacked; nothing bigger is read.
MAX_BYTES = 64 << 20


class IDXError(ValueError):
    """A file that is not the IDX file expected."""


def read_idx(path, rank):
    """Returns (dims, data) of the gzipped IDX file of unsigned bytes at
    path, which must have the given number of dimensions."""
    if not os.path.isfile(path):
        raise IDXError(f"{path}: not a regular file")
    try:
        with gzip.open(path, "rb") as f:
            raw = f.read(MAX_BYTES + 1)
    except (OSError, EOFError, zlib.error) as e:
        raise IDXError(f"{path}: not a readable gzip file ({e})") from None
    if len(raw) > MAX_BYTES:
        raise IDXError(f"{path}: more than {MAX_BYTES} bytes unpacked")
    if len(raw) < 4:
        raise IDXError(f"{path}: {len(raw)} bytes, too short for an IDX header")
    zero, dtype, ndim = struct.unpack(">HBB", raw[:4])
    if zero != 0 or dtype != 0x08:
        raise IDXError(f"{path}: not an IDX file of unsigned bytes (magic {raw[:4].hex()})")
    if ndim != rank:
        raise IDXError(f"{path}: {ndim} dimensions, want {rank}")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise IDXError(f"{path}: the header ends early")
    dims = struct.unpack(f">{ndim}I", raw[4:header])
    size = 1
    for d in dims:
        size *= d
    if len(raw) - header != size:
        raise IDXError(f"{path}: {len(raw) - header} data bytes, the dimensions {dims} say {size}")
    return dims, raw[header:]


def load(folder):
    """Reads the four files of MNIST in folder: a dict of name -> (dims,
    bytes), with the images' and labels' counts checked against each other."""
    out = {}
    for name, (file, rank) in FILES.items():
        out[name] = read_idx(os.path.join(folder, file), rank)
    for part in ("train", "test"):
        n_images, n_labels = out[part + "_images"][0][0], out[part + "_labels"][0][0]
        if n_images != n_labels:
            raise IDXError(f"{folder}: {n_images} {part} images but {n_labels} labels")
    return out


def as_arrays(mnist):
    """The four parts as numpy arrays: images uint8 [n, rows*cols],
    labels int32 [n]."""
    import numpy as np

    arrays = {}
    for name, (dims, data) in mnist.items():
        a = np.frombuffer(data, dtype=np.uint8)
        if name.endswith("images"):
            arrays[name] = a.reshape(dims[0], dims[1] * dims[2])
        else:
            arrays[name] = a.astype(np.int32)
    return arrays
