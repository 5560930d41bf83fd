// Start-up: pick the transport (Electron preload or the test host's WebSocket), build the
// store, render.

import './zodConfig';
import { createRoot } from 'react-dom/client';
import '@xterm/xterm/css/xterm.css';
import './styles.css';
import { pickTransport } from './transport/pick';
import { Store } from './state/store';
import { App } from './App';
import { installTestHooks } from './testHooks';

const root = createRoot(document.getElementById('root') as HTMLElement);
const transport = pickTransport(window.location, window.holdfast);

if (!transport.ok) {
  root.render(
    <div className="fatal-page" role="alert">
      <h1>Holdfast</h1>
      <p>{transport.message}</p>
    </div>,
  );
} else {
  let storage: Storage | undefined;
  try {
    storage = window.localStorage;
  } catch {
    storage = undefined;
  }
  const store = new Store(transport.api, storage);
  if (transport.testHooks) installTestHooks(store);
  transport.ready.catch((error: Error) =>
    store.setFatal(`Holdfast lost its engine: ${error.message}. Reload the window to reconnect.`),
  );
  store.newTab();
  // Tabs open when the app last stopped come back, attached where they were.
  void store.restore();
  root.render(<App store={store} storage={storage} />);
}
