"""Tests of the reference scripts' parts that need neither JAX nor PyTorch
(nor numpy): the IDX reader, the schedule and the RESULT line.

  python3 -m unittest discover -s bench/reference -p 'test_*.py'

MNIST_DIR, when set, is a folder of MNIST's four files to read for real.
"""

import gzip
import math
import os
import struct
import tempfile
import unittest

import mnist_idx
import recipe


def idx_bytes(dims, data=None, dtype=0x08):
    size = 1
    for d in dims:
        size *= d
    if data is None:
        data = bytes(i % 256 for i in range(size))
    return struct.pack(">HBB", 0, dtype, len(dims)) + struct.pack(f">{len(dims)}I", *dims) + data


class ReadIDX(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.addCleanup(self.dir.cleanup)

    def write(self, name, raw):
        path = os.path.join(self.dir.name, name)
        with gzip.open(path, "wb") as f:
            f.write(raw)
        return path

    def test_a_valid_file_reads_back(self):
        raw = idx_bytes((2, 3, 4))
        dims, data = mnist_idx.read_idx(self.write("ok.gz", raw), 3)
        self.assertEqual(dims, (2, 3, 4))
        self.assertEqual(data, raw[16:])

    def test_every_malformed_file_is_refused(self):
        good = idx_bytes((2, 3, 4))
        cases = {
            "a wrong magic": b"\x01" + good[1:],
            "another element type": idx_bytes((2, 3, 4), dtype=0x0D),
            "another rank": idx_bytes((6, 4)),
            "data shorter than the dimensions say": good[:-1],
            "data longer than the dimensions say": good + b"\x00",
        }
        for n in range(len(good[:16])):
            cases[f"a header cut at {n} bytes"] = good[:n]
        for name, raw in cases.items():
            with self.subTest(name):
                with self.assertRaises(mnist_idx.IDXError):
                    mnist_idx.read_idx(self.write("bad.gz", raw), 3)

    def test_a_file_not_gzipped_is_refused(self):
        path = os.path.join(self.dir.name, "plain")
        with open(path, "wb") as f:
            f.write(idx_bytes((2, 3, 4)))
        with self.assertRaises(mnist_idx.IDXError):
            mnist_idx.read_idx(path, 3)

    def test_a_folder_or_a_fifo_is_not_read(self):
        fifo = os.path.join(self.dir.name, "fifo")
        os.mkfifo(fifo)
        for path in (self.dir.name, fifo):
            with self.subTest(path):
                with self.assertRaises(mnist_idx.IDXError):
                    mnist_idx.read_idx(path, 3)

    def test_counts_of_images_and_labels_must_agree(self):
        self.write("train-images-idx3-ubyte.gz", idx_bytes((3, 2, 2)))
        self.write("train-labels-idx1-ubyte.gz", idx_bytes((2,)))
        self.write("t10k-images-idx3-ubyte.gz", idx_bytes((1, 2, 2)))
        self.write("t10k-labels-idx1-ubyte.gz", idx_bytes((1,)))
        with self.assertRaises(mnist_idx.IDXError):
            mnist_idx.load(self.dir.name)

    @unittest.skipUnless(os.environ.get("MNIST_DIR"), "MNIST_DIR not set")
    def test_mnist_reads(self):
        m = mnist_idx.load(os.environ["MNIST_DIR"])
        self.assertEqual(m["train_images"][0], (60000, 28, 28))
        self.assertEqual(m["test_labels"][0], (10000,))
        self.assertTrue(all(b < 10 for b in m["train_labels"][1]))


class Schedule(unittest.TestCase):
    lr, warmup, total = 6e-3, 53, 315

    def rate(self, step):
        return recipe.learning_rate(step, self.lr, self.warmup, self.total)

    def test_the_warm_up_rises_linearly(self):
        for step in (0, 10, 52):
            with self.subTest(step=step):
                self.assertAlmostEqual(self.rate(step), self.lr * (step + 1) / self.warmup, places=12)

    def test_the_cosine_decays_from_the_full_rate_to_zero(self):
        self.assertAlmostEqual(self.rate(self.warmup), self.lr, places=12)
        mid = self.warmup + (self.total - self.warmup) / 2
        self.assertAlmostEqual(self.rate(mid), self.lr / 2, places=12)
        self.assertAlmostEqual(self.rate(self.total), 0.0, places=12)
        rates = [self.rate(s) for s in range(self.warmup, self.total + 1)]
        self.assertEqual(rates, sorted(rates, reverse=True))

    def test_without_warm_up_the_cosine_starts_at_once(self):
        self.assertAlmostEqual(recipe.learning_rate(0, 1.0, 0, 100), 1.0)
        self.assertAlmostEqual(recipe.learning_rate(50, 1.0, 0, 100), 0.5)


class Rounding(unittest.TestCase):
    def test_halves_round_away_from_zero_as_in_go(self):
        for x, want in ((52.5, 53), (53.5, 54), (0.4, 0), (-2.5, -3)):
            with self.subTest(x=x):
                self.assertEqual(recipe.go_round(x), want)


class ResultLine(unittest.TestCase):
    def test_values_carry_no_spaces_and_missing_ones_are_dashes(self):
        line = recipe.result_line(framework="jax", device="NVIDIA H200", steps_per_s=11667.25, time_to_target_s=None)
        self.assertEqual(line, "RESULT framework=jax device=NVIDIA_H200 steps_per_s=11667.2 time_to_target_s=-")
        fields = dict(f.split("=", 1) for f in line.split()[1:])
        self.assertTrue(math.isclose(float(fields["steps_per_s"]), 11667.25, rel_tol=1e-5))


if __name__ == "__main__":
    unittest.main()
