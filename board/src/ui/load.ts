import { onBeforeUnmount, ref, type Ref } from 'vue';
import { ApiError } from '../api/client';

/** The message a page shows for a failed call: the problem's `detail` when the API gave one. */
export function messageOf(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  return err instanceof Error ? err.message : String(err);
}

/**
 * A value loaded from the API with its loading and error state: `reload()` fetches again and
 * keeps showing the old value meanwhile (so polling does not flash "Loading…").
 */
export function useLoad<T>(fetcher: () => Promise<T>): { data: Ref<T | null>; loading: Ref<boolean>; error: Ref<string | null>; reload: () => Promise<void> } {
  const data = ref<T | null>(null) as Ref<T | null>;
  const loading = ref(true);
  const error = ref<string | null>(null);
  let generation = 0;
  async function reload(): Promise<void> {
    const mine = ++generation;
    if (data.value === null) loading.value = true;
    try {
      const value = await fetcher();
      if (mine !== generation) return;
      data.value = value;
      error.value = null;
    } catch (err) {
      if (mine === generation) error.value = messageOf(err);
    } finally {
      if (mine === generation) loading.value = false;
    }
  }
  return { data, loading, error, reload };
}

/** Calls `tick` every `ms` while `active()` holds and the component lives: live status by polling. */
export function usePolling(tick: () => Promise<void>, ms: number, active: () => boolean): { start: () => void; stop: () => void } {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let disposed = false;
  const stop = () => {
    if (timer) clearTimeout(timer);
    timer = null;
  };
  const start = () => {
    stop();
    if (disposed) return;
    timer = setTimeout(async () => {
      timer = null;
      if (!active()) return;
      await tick();
      if (active()) start();
    }, ms);
  };
  onBeforeUnmount(() => {
    disposed = true;
    stop();
  });
  return { start, stop };
}
