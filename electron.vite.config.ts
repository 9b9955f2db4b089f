/**
 * electron-vite builds the desktop app's three parts into out/: main (Node),
 * preload (the sandboxed bridge, so CommonJS) and the renderer (DOM), which
 * `bpf-lab serve` also serves to browsers. JSX goes through esbuild, which
 * Vite already uses for TypeScript; no React plugin is needed to build.
 */
import { defineConfig, externalizeDepsPlugin } from 'electron-vite';

export default defineConfig({
  main: {
    plugins: [externalizeDepsPlugin()],
    build: { rollupOptions: { input: { index: 'src/main/index.ts' } } },
  },
  preload: {
    plugins: [externalizeDepsPlugin()],
    build: {
      rollupOptions: {
        input: { index: 'src/preload/index.ts' },
        // A sandboxed preload cannot be an ES module.
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: 'src/renderer',
    esbuild: { jsx: 'automatic' },
    // Minified: `bpf-lab serve` may send it through an SSH tunnel.
    build: { minify: true, rollupOptions: { input: { index: 'src/renderer/index.html' } } },
  },
});
