// Runs neurona's ONNX exports in ONNX Runtime for TestExportMatchesPredict:
// reads the manifest named by argv[2], feeds its pixels (0-255) to every
// model as the model takes them (float32 or uint8, [N, inputs] or [N, rows,
// cols]) and prints one JSON array of their outputs.
const fs = require("fs");
const ort = require("onnxruntime-node");

async function main() {
  const manifest = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
  const rows = manifest.pixels.length;
  const cols = manifest.pixels[0].length;
  const out = [];
  for (const m of manifest.models) {
    const flat = manifest.pixels.flat();
    const dims = m.image ? [rows, manifest.image_rows, manifest.image_cols] : [rows, cols];
    const pixels = m.uint8
      ? new ort.Tensor("uint8", Uint8Array.from(flat), dims)
      : new ort.Tensor("float32", Float32Array.from(flat), dims);
    const session = await ort.InferenceSession.create(m.onnx);
    const r = await session.run({ pixels });
    const classes = Array.from(r.class.data, Number);
    const k = r.probabilities.dims[1];
    const probabilities = [];
    for (let i = 0; i < rows; i++) {
      probabilities.push(Array.from(r.probabilities.data.slice(i * k, (i + 1) * k)));
    }
    out.push({ classes, probabilities });
  }
  process.stdout.write(JSON.stringify(out));
}

main().catch((err) => {
  console.error(String(err));
  process.exit(1);
});
