// parquet-wasm in Node (CLIs, tests): the same module the Worker imports, compiled from node_modules.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { initParquetWasm, parquetWasmReady } from '../../lib/parquet/decode.ts';

type Compile = { Module: new (bytes: Uint8Array) => Parameters<typeof initParquetWasm>[0] };

/** Initialises parquet-wasm once (the writer and decoder need it). */
export function initParquetWasmInNode(): void {
  if (parquetWasmReady()) return;
  // NOTE: @types/node declares WebAssembly's types but not its constructors.
  const wasm = (globalThis as unknown as { WebAssembly: Compile }).WebAssembly;
  const path = createRequire(import.meta.url).resolve('parquet-wasm/esm/parquet_wasm_bg.wasm');
  initParquetWasm(new wasm.Module(readFileSync(path)));
}
