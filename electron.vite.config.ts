/**
 * electron-vite builds the desktop app's three parts into out/: main and preload
 * (Node side) and the renderer (DOM side). The desktop app lands with issue 3;
 * until then only the CLI and the helper are built, by tsc.
 */
import { defineConfig, externalizeDepsPlugin } from 'electron-vite';

export default defineConfig({
  main: {
    plugins: [externalizeDepsPlugin()],
    build: { rollupOptions: { input: { index: 'src/main/index.ts' } } },
  },
  preload: {
    plugins: [externalizeDepsPlugin()],
    build: { rollupOptions: { input: { index: 'src/preload/index.ts' } } },
  },
  renderer: {
    root: 'src/renderer',
    build: { rollupOptions: { input: { index: 'src/renderer/index.html' } } },
  },
});
