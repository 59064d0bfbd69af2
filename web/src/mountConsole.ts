/**
 * Creates and mounts the console. Called by the entry once Element Plus is evaluated, in a task of its own.
 */
import { createApp } from 'vue';
import App from './App.vue';
import { holdStartStages } from './composables/startStages';
import { installElement } from './element';
import { i18n } from './i18n';

export function mountConsole(): void {
  holdStartStages();
  const app = createApp(App);
  app.use(i18n);
  installElement(app);
  app.mount('#app');
}
