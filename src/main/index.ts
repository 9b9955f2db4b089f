/**
 * Electron main: one instance, one locked-down window, one LabService (which
 * owns the helper), and the IPC router between them. Everything that is not
 * Electron glue lives in src/backend and src/main/ipc-router.ts.
 */
import { app, BrowserWindow, ipcMain } from 'electron';
import { LabService } from '../backend/lab-service.js';
import { resolveLaunch } from './helper-launch.js';
import { registerLabIpc } from './ipc-router.js';
import { createWindow, lockDownContents, lockDownSession, rendererUrl } from './window.js';

app.enableSandbox();

async function start(): Promise<{ service: LabService; dispose: () => void }> {
  let window: BrowserWindow | null = null;
  const url = rendererUrl(app.isPackaged);
  const { launch, dispose } = await resolveLaunch({
    uid: process.getuid?.() ?? -1, execPath: process.execPath,
    devRoot: app.isPackaged ? null : app.getAppPath(), resourcesPath: process.resourcesPath,
    // An instructor's whole-machine helper; the status bar says whose processes count either way.
    system: process.argv.includes('--system'),
  }, process.env);
  const service = new LabService({ launch });
  registerLabIpc(ipcMain, service, {
    url,
    webContentsId: () => (window && !window.isDestroyed() ? window.webContents.id : null),
  });
  app.on('second-instance', () => {
    if (!window) return;
    if (window.isMinimized()) window.restore();
    window.focus();
  });
  lockDownSession();
  app.on('web-contents-created', (_event, contents) => lockDownContents(contents, url));
  window = createWindow(url);
  window.on('closed', () => { window = null; });
  void service.start();
  return { service, dispose };
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  const started = app.whenReady().then(start);
  started.catch((e: unknown) => {
    console.error('BPF Lab could not start:', e);
    app.exit(1);
  });

  app.on('window-all-closed', () => app.quit());

  // The helper detaches everything and exits when its stdin closes; wait for that before leaving.
  let disposed = false;
  app.on('will-quit', (event) => {
    if (disposed) return;
    event.preventDefault();
    disposed = true;
    // dispose() waits at most a few seconds for the helper (HelperClient.close), then we go regardless.
    void started.then(async ({ service, dispose }) => {
      await service.dispose();
      dispose();
    }).finally(() => app.quit());
  });
}
