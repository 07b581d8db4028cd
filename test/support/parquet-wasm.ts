// parquet-wasm for Node-side tests: the same module the Worker imports, compiled from node_modules.
import { readFileSync } from 'node:fs';
import { initParquetWasm } from '../../lib/parquet/decode.ts';

type Compile = { Module: new (bytes: Uint8Array) => Parameters<typeof initParquetWasm>[0] };

export function initParquetWasmForNode(): void {
  // NOTE: @types/node declares WebAssembly's types but not its constructors.
  const wasm = (globalThis as unknown as { WebAssembly: Compile }).WebAssembly;
  initParquetWasm(new wasm.Module(readFileSync('node_modules/parquet-wasm/esm/parquet_wasm_bg.wasm')));
}
