// https://bun.sh/docs/runtime/nodejs-apis#node-fs — Bun implements node:fs/promises natively, with the
// positional reads and fstat the port needs (Bun.file has no read at a position on an open handle), so the
// Node adapter's file system runs unchanged rather than being copied here.
export { nodeFileSystem as bunFileSystem } from "../node/fs.ts";
