// Render ZPL labels to PNG offline with zpl-renderer-js (a WASM build of zebrash).
// stdin: a JSON list of jobs {"zpl": "...", "width_mm": 101.6, "height_mm": 152.4,
// "dpmm": 8, "out": "/path/label.png"}; one node start for many labels (the WASM takes
// a few hundred ms to load). Exits 1 with the message of the first job that fails.
const fs = require("node:fs");
const { ready } = require("zpl-renderer-js");

async function main() {
  const jobs = JSON.parse(fs.readFileSync(0, "utf8"));
  const { api } = await ready;
  for (const job of jobs) {
    const png = await api.zplToBase64Async(job.zpl, job.width_mm, job.height_mm, job.dpmm);
    fs.writeFileSync(job.out, Buffer.from(png, "base64"));
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(String(err && err.stack ? err.stack : err));
    process.exit(1);
  },
);
