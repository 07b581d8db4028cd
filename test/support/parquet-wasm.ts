// parquet-wasm for Node-side tests: the same module the Worker imports, compiled from node_modules.
import { initParquetWasmInNode } from '../../tools/local/parquet-wasm.ts';

export function initParquetWasmForNode(): void {
  initParquetWasmInNode();
}
