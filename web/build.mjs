// Bundles the reference web client (web/src/main.ts, hls.js included) into build/web with
// esbuild, beside its static files. `npm run build` runs it after the type check.
import { build } from "esbuild";
import { cpSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "build", "web");
mkdirSync(out, { recursive: true });
cpSync(join(here, "public"), out, { recursive: true });
await build({
  entryPoints: [join(here, "src", "main.ts")],
  bundle: true,
  format: "esm",
  target: "es2022",
  sourcemap: true,
  minify: true,
  outfile: join(out, "app.js"),
  logLevel: "warning",
});
