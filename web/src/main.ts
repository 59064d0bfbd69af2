/**
 * Entry of the web console (a single-page app on the same origin as the API). It owns presentation only:
 * every decision about nodes, permissions and safety is the server's; the console shows, asks and explains.
 *
 * The script is evaluated in steps, each a browser task of its own: Vue and the theme here, then Element Plus,
 * then the console's own code. One static module graph is evaluated in one task, which on a busy machine held
 * the page for 110–190 ms before anything could be drawn. The chunks are fetched in parallel from the start
 * (index.html preloads them, see vite.config.ts), so the steps cost no round trip.
 */
import 'element-plus/dist/index.css';
import 'element-plus/theme-chalk/dark/css-vars.css';
import './styles.css';
import './theme';
import { afterTask } from './live/nextTask';

async function start() {
  await import('./element');
  await afterTask();
  const { mountConsole } = await import('./mountConsole');
  mountConsole();
}

void start();
