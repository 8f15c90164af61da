import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.js';
import { loadRuntimeConfig } from './config.js';
import './styles.css';

const root = document.getElementById('root');
if (!root) throw new Error('index.html lacks #root');
// The stage's /config.json (or the build's settings) before the first render, so sign-in offers the right options.
void loadRuntimeConfig().then((config) =>
  createRoot(root).render(
    <StrictMode>
      <App wsUrl={config.wsUrl} signInModes={config.signInModes} />
    </StrictMode>,
  ),
);
