// Bundle the page: the page's own modules in src/judgebox/server/static/ and the
// libraries from node_modules/ into src/judgebox/server/static/dist/ (not committed).
// Language modes and KaTeX are split into chunks loaded only when needed, so the
// first load stays light.
import { build } from "esbuild";
import { rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const staticDir = join(here, "..", "src", "judgebox", "server", "static");
const outdir = join(staticDir, "dist");

rmSync(outdir, { recursive: true, force: true });
const result = await build({
  absWorkingDir: here,
  // The page's modules live outside web/: resolve their bare imports here.
  nodePaths: [join(here, "node_modules")],
  entryPoints: {
    app: join(staticDir, "app.js"),
    statement: join(staticDir, "statement.js"),
    katex: join(here, "node_modules", "katex", "dist", "katex.min.css"),
  },
  outdir,
  bundle: true,
  splitting: true,
  format: "esm",
  target: ["es2020"],
  minify: true,
  sourcemap: "linked",
  legalComments: "linked",
  chunkNames: "chunks/[name]-[hash]",
  assetNames: "assets/[name]-[hash]",
  loader: { ".woff2": "file", ".woff": "file", ".ttf": "file" },
  // The page's own modules import each other as /static/x.js (how the browser sees them).
  plugins: [
    {
      name: "static-paths",
      setup(b) {
        b.onResolve({ filter: /^\/static\// }, (args) => ({
          path: join(staticDir, args.path.slice("/static/".length)),
        }));
      },
    },
  ],
  metafile: true,
  logLevel: process.argv.includes("--quiet") ? "warning" : "info",
});
if (process.argv.includes("--analyze")) console.log(await (await import("esbuild")).analyzeMetafile(result.metafile));
