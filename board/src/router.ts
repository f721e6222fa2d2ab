import { createRouter, createWebHistory, type RouteRecordRaw, type Router, type RouterHistory } from 'vue-router';
import type { Pinia } from 'pinia';
import { useAuthStore } from './auth/store';

const routes: RouteRecordRaw[] = [
  { path: '/login', name: 'login', component: () => import('./auth/LoginPage.vue'), meta: { public: true } },
  { path: '/', name: 'dashboard', component: () => import('./dashboard/DashboardPage.vue') },
  { path: '/runs', name: 'runs', component: () => import('./runs/RunsPage.vue') },
  { path: '/runs/:runId', name: 'run', component: () => import('./runs/RunPage.vue'), props: (r) => ({ runId: Number(r.params.runId) }) },
  { path: '/projects', name: 'projects', component: () => import('./projects/ProjectsPage.vue') },
  { path: '/projects/:projectId', name: 'project', component: () => import('./projects/ProjectPage.vue'), props: (r) => ({ projectId: Number(r.params.projectId) }) },
  { path: '/projects/:projectId/tests', name: 'test-health', component: () => import('./tests/TestHealthPage.vue'), props: (r) => ({ projectId: Number(r.params.projectId) }) },
  {
    path: '/projects/:projectId/tests/:testId',
    name: 'test',
    component: () => import('./tests/TestPage.vue'),
    props: (r) => ({ projectId: Number(r.params.projectId), testId: Number(r.params.testId) }),
  },
  { path: '/datasets', name: 'datasets', component: () => import('./datasets/DatasetsPage.vue') },
  { path: '/datasets/:datasetId', name: 'dataset', component: () => import('./datasets/DatasetPage.vue'), props: (r) => ({ datasetId: Number(r.params.datasetId) }) },
  { path: '/infrastructure', name: 'infrastructure', component: () => import('./infrastructure/InfrastructurePage.vue') },
  { path: '/infrastructure/grids/:gridId', name: 'grid', component: () => import('./infrastructure/GridPage.vue'), props: (r) => ({ gridId: Number(r.params.gridId) }) },
  { path: '/account', name: 'account', component: () => import('./account/AccountPage.vue') },
  { path: '/configuration', name: 'configuration', component: () => import('./configuration/ConfigurationPage.vue') },
  { path: '/:rest(.*)*', name: 'not-found', component: () => import('./ui/NotFoundPage.vue') },
];

/** The Board's routes; every page but /login needs a session, and a 401 anywhere leads back to /login. */
export function createBoardRouter(pinia: Pinia, history: RouterHistory = createWebHistory()): Router {
  const router = createRouter({ history, routes });
  const auth = useAuthStore(pinia);
  auth.whenExpired(() => {
    const current = router.currentRoute.value;
    if (current.name !== 'login') {
      auth.returnTo = current.fullPath;
      void router.push({ name: 'login' });
    }
  });
  router.beforeEach(async (to) => {
    // Fetch the page's code while the session is checked, rather than one after the other.
    for (const record of to.matched) {
      const component = record.components?.default;
      if (typeof component === 'function') void (component as () => Promise<unknown>)();
    }
    if (to.meta.public) return true;
    if (!auth.signedIn) {
      auth.returnTo = to.fullPath;
      return { name: 'login' };
    }
    try {
      await auth.ensureMe();
    } catch {
      // A 401 already sent us to /login; anything else (API down) shows on the page itself.
      if (!auth.signedIn) {
        auth.returnTo = to.fullPath;
        return { name: 'login' };
      }
    }
    if (auth.passwordChangeRequired && to.name !== 'account') {
      auth.returnTo ??= to.fullPath;
      return { name: 'account' };
    }
    return true;
  });
  return router;
}
