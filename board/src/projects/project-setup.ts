import { reactive, ref, type Ref } from 'vue';
import { api } from '../api/client';
import type { Dataset, Environment, EnvironmentInput, Resource, Suite, SuiteInput } from '../api/types';
import { messageOf } from '../ui/load';

/**
 * A project's environments and suites on its page (PRD 18.1) and the changes an admin makes to
 * them: one change at a time (`busy`), each failure shown where it was caused (the page, or the
 * open edit panel), and the lists reloaded or patched with what the API answered.
 */
export function useProjectSetup(projectId: number) {
  const environments = ref<Environment[]>([]);
  const suites = ref<Suite[]>([]);
  const datasets = ref<Dataset[]>([]);
  const grids = ref<Resource[]>([]);
  const childError = ref<string | null>(null);
  const actionError = ref<string | null>(null);
  const environmentEditError = ref<string | null>(null);
  const suiteEditError = ref<string | null>(null);
  const busy = ref(false);
  /** The environment or suite whose edit form is open, if any. */
  const editingEnvironment = ref<Environment | null>(null);
  const editingSuite = ref<Suite | null>(null);
  /** Bumped after a create succeeds: a new key gives the create form a fresh, empty state. */
  const created = reactive({ environments: 0, suites: 0 });

  async function loadChildren() {
    try {
      const [e, s] = await Promise.all([api.projects.environments(projectId), api.projects.suites(projectId)]);
      environments.value = e.items;
      suites.value = s.items;
      childError.value = null;
    } catch (err) {
      childError.value = messageOf(err);
    }
  }

  /**
   * The datasets the environments may use, for the dataset select and column. Without them the
   * page still works (an environment's dataset shows by id), so a failure here is not shown.
   */
  async function loadDatasets() {
    datasets.value = await api.datasets.list(projectId).then(
      (page) => page.items,
      () => [],
    );
  }

  /**
   * The Selenium Grids an environment may name (issue 16 item 4), for the Grid select. Like the
   * datasets, they are a convenience: without them the select offers none and the current Grid.
   */
  async function loadGrids() {
    grids.value = await api.infrastructure.list({ kind: 'grid' }).then(
      (page) => page.items,
      () => [],
    );
  }

  /**
   * Runs one change, shows its problem detail if it fails (in `shownIn`: the page's, or an edit
   * panel's next to the form that caused it), and reloads what it changed.
   */
  async function act(change: () => Promise<unknown>, after: () => Promise<void> | void = loadChildren, shownIn: Ref<string | null> = actionError): Promise<boolean> {
    busy.value = true;
    shownIn.value = null;
    try {
      await change();
      await after();
      return true;
    } catch (err) {
      shownIn.value = messageOf(err);
      return false;
    } finally {
      busy.value = false;
    }
  }

  async function addEnvironment(body: EnvironmentInput) {
    if (await act(() => api.projects.createEnvironment(projectId, body))) created.environments++;
  }

  async function addSuite(body: SuiteInput) {
    if (await act(() => api.projects.createSuite(projectId, body))) created.suites++;
  }

  /** Saves what the edit changed and shows the row as the API answered it; nothing changed, nothing sent. */
  async function saveEnvironment(body: EnvironmentInput) {
    const id = editingEnvironment.value?.id;
    if (id === undefined) return;
    const saved = Object.keys(body).length === 0 || (await act(async () => replace(environments, await api.projects.updateEnvironment(id, body)), () => {}, environmentEditError));
    if (saved) editingEnvironment.value = null;
  }

  async function saveSuite(body: SuiteInput) {
    const id = editingSuite.value?.id;
    if (id === undefined) return;
    const saved = Object.keys(body).length === 0 || (await act(async () => replace(suites, await api.projects.updateSuite(id, body)), () => {}, suiteEditError));
    if (saved) editingSuite.value = null;
  }

  function editEnvironment(e: Environment) {
    environmentEditError.value = null;
    editingEnvironment.value = editingEnvironment.value?.id === e.id ? null : e;
  }

  function editSuite(s: Suite) {
    suiteEditError.value = null;
    editingSuite.value = editingSuite.value?.id === s.id ? null : s;
  }

  async function removeEnvironment(e: Environment) {
    if (!window.confirm(`Delete environment ${e.name}?`)) return;
    if ((await act(() => api.projects.removeEnvironment(e.id))) && editingEnvironment.value?.id === e.id) editingEnvironment.value = null;
  }

  async function removeSuite(s: Suite) {
    if (!window.confirm(`Delete suite ${s.name}?`)) return;
    if ((await act(() => api.projects.removeSuite(s.id))) && editingSuite.value?.id === s.id) editingSuite.value = null;
  }

  return {
    environments,
    suites,
    datasets,
    grids,
    childError,
    actionError,
    environmentEditError,
    suiteEditError,
    busy,
    editingEnvironment,
    editingSuite,
    created,
    loadChildren,
    loadDatasets,
    loadGrids,
    act,
    addEnvironment,
    addSuite,
    saveEnvironment,
    saveSuite,
    editEnvironment,
    editSuite,
    removeEnvironment,
    removeSuite,
  };
}

function replace<T extends { id: number }>(list: { value: T[] }, updated: T) {
  list.value = list.value.map((item) => (item.id === updated.id ? updated : item));
}
