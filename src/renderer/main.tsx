/**
 * The renderer's entry point: connects to the backend once (whichever
 * transport this page runs on) and hands the API to the app via context.
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { LabApiContext } from './api-context.js';
import { App } from './App.js';
import { connectLab } from './transport.js';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');

createRoot(root).render(
  <StrictMode>
    <LabApiContext.Provider value={connectLab()}>
      <App />
    </LabApiContext.Provider>
  </StrictMode>,
);
