"""neurona's default MLP recipe (train.Defaults), shared by the reference
scripts, and the RESULT line they print.

MLP 784-512-512-10, ReLU, He-normal hidden weights and a Glorot-uniform
output layer, zero biases; softmax cross-entropy, mean over the batch;
pixels / 255. Adam (beta1 0.9, beta2 0.999, epsilon 1e-7 as GoMLX's), lr
6e-3, batch 512, 3 epochs; the rate warms up linearly over half an epoch
and follows a cosine decay to zero over the run (train/optim.go,
scheduleLR); 10% of the training images held out for validation (not
evaluated here), the test set evaluated after each epoch.

One difference: the references drop each epoch's last partial batch (240
examples), so that an epoch is one scan of equal steps; neurona trains it
as a 106th step.
"""

import argparse
import math
import platform
import sys

HIDDEN = (512, 512)
INPUTS, CLASSES = 784, 10


def parse_args(framework):
    p = argparse.ArgumentParser(description=f"neurona's default MLP recipe in {framework}; prints a RESULT line")
    p.add_argument("data_dir", help="folder with MNIST's four .gz IDX files")
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--batch-size", type=int, default=512)
    p.add_argument("--lr", type=float, default=6e-3)
    p.add_argument("--warmup", type=float, default=0.5, help="linear warm-up, in epochs")
    p.add_argument("--val-split", type=float, default=0.1)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--target", type=float, default=0.98, help="test accuracy to time")
    a = p.parse_args()
    if a.epochs < 1 or a.batch_size < 1 or not a.lr > 0 or not 0 <= a.val_split < 1 or a.warmup < 0:
        p.error("--epochs and --batch-size must be >= 1, --lr > 0, --val-split in [0, 1), --warmup >= 0")
    return a


def load_data(folder):
    """MNIST's four parts as numpy arrays (mnist_idx.as_arrays); a bad
    folder or file ends the script with one line and exit status 1."""
    import mnist_idx

    try:
        return mnist_idx.as_arrays(mnist_idx.load(folder))
    except mnist_idx.IDXError as e:
        sys.exit(f"error: {e}")


def go_round(x):
    """Rounds half away from zero, as Go's math.Round (neurona's warm-up
    steps), where Python's round goes to even."""
    return int(math.floor(x + 0.5)) if x >= 0 else -int(math.floor(-x + 0.5))


def learning_rate(step, lr, warmup_steps, total_steps):
    """neurona's schedule at a 0-based global step: cosine decay after the
    warm-up, times the linear warm-up factor (step+1)/warmup."""
    if warmup_steps > 0:
        frac = min(max((step - warmup_steps) / max(total_steps - warmup_steps, 1), 0.0), 1.0)
        factor = min((step + 1) / warmup_steps, 1.0)
    else:
        frac, factor = min(step / max(total_steps, 1), 1.0), 1.0
    return lr / 2 * (1 + math.cos(math.pi * frac)) * factor


def split(n, val_split, seed):
    """The training indices: a seeded permutation without its first
    val_split share (the validation set)."""
    import numpy as np

    perm = np.random.default_rng(seed).permutation(n)
    return perm[int(round(n * val_split)):]


def epoch_orders(train_idx, epochs, batch, seed):
    """Each epoch's order of whole batches: int32 [epochs, steps, batch]."""
    import numpy as np

    rng = np.random.default_rng(seed + 1)
    steps = len(train_idx) // batch
    if steps == 0:
        sys.exit(f"{len(train_idx)} training examples make no batch of {batch}")
    return np.stack([rng.permutation(train_idx)[: steps * batch].reshape(steps, batch) for _ in range(epochs)]).astype(np.int32)


def result_line(**fields):
    """RESULT k=v ...: values without spaces; None prints as '-'."""
    parts = ["RESULT"]
    for k, v in fields.items():
        if v is None:
            v = "-"
        elif isinstance(v, float):
            v = f"{v:.6g}"
        parts.append(f"{k}={str(v).replace(' ', '_')}")
    return " ".join(parts)


def python_version():
    return platform.python_version()
