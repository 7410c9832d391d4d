# Checks neurona's exports for TestExportMatchesPredict: every ONNX file
# with onnx.checker (full check, with shape inference), its metadata, and a
# NumPy forward pass from every npz file given (the one docs/export.md
# shows).
# Reads the manifest named by argv[1]; prints one JSON object.
import json
import sys

import numpy as np
import onnx

ACTIVATIONS = {
    "relu": lambda z: np.maximum(z, 0),
    "leaky_relu": lambda z: np.where(z >= 0, z, np.float32(0.01) * z),
    "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
    "tanh": np.tanh,
    "linear": lambda z: z,
}


def forward(npz, pixels, activation, widths):
    x = pixels / np.float32(255)
    for i, width in enumerate(widths):
        z = x @ npz[f"hidden_{i}.weights"] + npz[f"hidden_{i}.biases"]
        if activation == "maxout":
            x = z.reshape(len(z), width, -1).max(axis=-1)
        else:
            x = ACTIVATIONS[activation](z)
    return x @ npz["output.weights"] + npz["output.biases"]


def main():
    with open(sys.argv[1]) as f:
        manifest = json.load(f)
    pixels = np.array(manifest["pixels"], dtype=np.float32)
    out = []
    for m in manifest["models"]:
        model = onnx.load(m["onnx"])
        onnx.checker.check_model(model, full_check=True)
        arrays, classes = [], []
        if m.get("npz"):
            npz = np.load(m["npz"])
            arrays = sorted(npz.files)
            classes = forward(npz, pixels, m["activation"], m["hidden"]).argmax(axis=1).tolist()
        out.append({
            "opset": [o.version for o in model.opset_import if o.domain == ""][0],
            "inputs": [i.name for i in model.graph.input],
            "outputs": [o.name for o in model.graph.output],
            "metadata": {p.key: p.value for p in model.metadata_props},
            "arrays": arrays,
            "classes": classes,
        })
    json.dump(out, sys.stdout)


main()
