/**
 * Serves the built renderer (out/renderer) to `bpf-lab serve`'s browsers:
 * only files inside that folder, with their content type, never a listing.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

/** Where electron-vite puts the renderer, from this file's place in build/. */
export function rendererRoot(): string {
  return fileURLToPath(new URL('../../../../out/renderer', import.meta.url));
}

export interface StaticFile {
  body: Buffer;
  type: string;
}

/** The file a URL path names under root, or null when there is none (or it would leave root). */
export async function readStatic(root: string, urlPath: string): Promise<StaticFile | null> {
  let relative: string;
  try {
    relative = decodeURIComponent(urlPath === '/' ? '/index.html' : urlPath);
  } catch {
    return null;
  }
  if (relative.includes('\0')) return null;
  const file = path.resolve(root, `.${path.posix.normalize(relative)}`);
  if (!file.startsWith(path.resolve(root) + path.sep)) return null;
  const type = TYPES[path.extname(file)];
  if (!type) return null;
  try {
    return { body: await fs.readFile(file), type };
  } catch {
    return null;
  }
}
