import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, type Pinia } from 'pinia';
import { createMemoryHistory, type Router } from 'vue-router';
import App from '../App.vue';
import { createBoardRouter } from '../router';

/** The whole Board (App, router, Pinia) on a memory history, at `path`, after its calls settle. */
export async function mountBoard(path: string, token: string | null = 'session-token'): Promise<{ wrapper: ReturnType<typeof mount>; router: Router; pinia: Pinia }> {
  if (token) sessionStorage.setItem('qatron.token', token);
  else sessionStorage.removeItem('qatron.token');
  const pinia = createPinia();
  const router = createBoardRouter(pinia, createMemoryHistory());
  await router.push(path);
  await router.isReady();
  const wrapper = mount(App, { global: { plugins: [pinia, router] }, attachTo: document.body });
  await settle();
  return { wrapper, router, pinia };
}

/** Lets pending fetches, lazy route components and re-renders finish. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) {
    await flushPromises();
    await new Promise((r) => setTimeout(r, 0));
  }
}
