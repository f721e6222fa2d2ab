import { createApp } from 'vue';
import { createPinia } from 'pinia';
import App from './App.vue';
import { createBoardRouter } from './router';
import './styles.css';

const pinia = createPinia();
const app = createApp(App);
app.use(pinia);
app.use(createBoardRouter(pinia));
app.mount('#app');
