/**
 * The app's one window, locked down: sandboxed renderer with context
 * isolation and no Node, our CSP on every response, no navigation away, no
 * new windows or webviews, and every permission request (camera,
 * notifications, …) denied.
 */
import { BrowserWindow, session, type WebContents } from 'electron';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CONTENT_SECURITY_POLICY_HEADER } from '../shared/csp.js';

const here = path.dirname(fileURLToPath(import.meta.url));

/** The page the window shows: the dev server under `electron-vite dev` (never when packaged), else the built file. */
export function rendererUrl(packaged: boolean): string {
  const dev = process.env['ELECTRON_RENDERER_URL'];
  return !packaged && dev ? dev : pathToFileURL(path.join(here, '../renderer/index.html')).href;
}

export function lockDownSession(): void {
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY_HEADER] } });
  });
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
}

/**
 * For every webContents the app ever has (app 'web-contents-created', so the window's and any
 * other, devtools included): no navigation away from our page, no new windows, no webviews.
 * The app opens no windows and shows no outside pages.
 */
export function lockDownContents(contents: WebContents, url: string): void {
  contents.on('will-navigate', (event, target) => {
    if (target !== url) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}

export function createWindow(url: string): BrowserWindow {
  const window = new BrowserWindow({
    width: 1200,
    height: 780,
    minWidth: 1024,
    minHeight: 640,
    show: false,
    title: 'BPF Lab',
    webPreferences: {
      preload: path.join(here, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
      // A middle click on a link asks for a new window; the open handler denies it, and this
      // keeps the event itself from reaching the page (Electronegativity AUXCLICK_JS_CHECK).
      disableBlinkFeatures: 'Auxclick',
    },
  });
  window.once('ready-to-show', () => window.show());
  void window.loadURL(url);
  return window;
}
