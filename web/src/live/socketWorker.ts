/**
 * The live socket's own thread: holds the WebSocket, parses its frames and hands them to the page (large
 * snapshots in slices, see socketProtocol.ts). One worker per connection; it ends with its socket.
 */
import { readFrame, type FromWorker, type ToWorker } from './socketProtocol';

const scope = self as unknown as {
  onmessage: ((ev: MessageEvent<ToWorker>) => void) | null;
  postMessage(m: FromWorker): void;
  close(): void;
};

let ws: WebSocket | null = null;

scope.onmessage = (ev) => {
  const m = ev.data;
  switch (m.op) {
    case 'open':
      ws = new WebSocket(m.url);
      ws.onopen = () => scope.postMessage({ ev: 'open' });
      ws.onerror = () => scope.postMessage({ ev: 'error' });
      ws.onclose = (e) => {
        scope.postMessage({ ev: 'close', code: e.code });
        scope.close();
      };
      ws.onmessage = (e) => {
        if (typeof e.data === 'string')
          readFrame(e.data, (frame) => scope.postMessage({ ev: 'frame', frame }));
      };
      return;
    case 'send':
      ws?.send(m.data);
      return;
    case 'close':
      ws?.close(m.code, m.reason);
      return;
  }
};
