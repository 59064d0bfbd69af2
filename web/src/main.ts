/**
 * Entry of the web console (a single-page app on the same origin as the API). It owns presentation only:
 * every decision about nodes, permissions and safety is the server's; the console shows, asks and explains.
 */
import { createApp } from 'vue';
import 'element-plus/dist/index.css';
import 'element-plus/theme-chalk/dark/css-vars.css';
import './styles.css';
import App from './App.vue';
import { installElement } from './element';
import { i18n } from './i18n';
import './theme';

const app = createApp(App);
app.use(i18n);
installElement(app);
app.mount('#app');
