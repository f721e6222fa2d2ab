import { describe, expect, it } from 'vitest';
import { ApiClient, ApiError, problemMessage } from './client.js';

describe('problemMessage', () => {
  it('joins title and detail', () => {
    expect(problemMessage({ title: 'Not found', detail: 'project 9 not found', status: 404 }, 404)).toBe('Not found: project 9 not found');
  });

  it('adds field errors the detail does not already contain', () => {
    const problem = { title: 'Validation failed', detail: 'name: is required', errors: [{ field: 'name', message: 'is required' }, { field: 'kind', message: 'invalid option' }] };
    expect(problemMessage(problem, 422)).toBe('Validation failed: name: is required; kind: invalid option');
  });

  it('keeps to one line and falls back to the HTTP status', () => {
    expect(problemMessage({ title: 'Bad', detail: 'two\nlines' }, 400)).toBe('Bad: two lines');
    expect(problemMessage(null, 502, 'Bad Gateway')).toBe('HTTP 502 Bad Gateway');
  });
});

describe('ApiClient', () => {
  function fakeFetch(status: number, body: unknown, seen: Request[] = []) {
    return (async (url: URL, init: RequestInit) => {
      seen.push(new Request(url, init));
      return new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { 'content-type': 'application/problem+json' } });
    }) as unknown as typeof fetch;
  }

  it('sends the token and the query, leaving out empty values', async () => {
    const seen: Request[] = [];
    const client = new ApiClient({ url: 'http://api:8000/', token: 'tok', fetch: fakeFetch(200, { items: [] }, seen) });
    expect(await client.request('GET', '/api/v1/runs', { query: { limit: 5, status: undefined, branch: '' } })).toEqual({ items: [] });
    expect(seen[0]!.url).toBe('http://api:8000/api/v1/runs?limit=5');
    expect(seen[0]!.headers.get('authorization')).toBe('Bearer tok');
  });

  it.each([
    [401, 3],
    [403, 3],
    [422, 3],
    [404, 4],
    [409, 4],
    [500, 4],
  ])('maps an HTTP %i to exit code %i', async (status, exitCode) => {
    const client = new ApiClient({ url: 'http://api', fetch: fakeFetch(status, { title: 'T', detail: 'D' }) });
    const error = await client.request('GET', '/x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status, exitCode, message: 'T: D' });
  });

  it('reports an unreachable API as one line with exit code 4', async () => {
    const client = new ApiClient({ url: 'http://127.0.0.1:1' });
    await expect(client.request('GET', '/x')).rejects.toMatchObject({ exitCode: 4, message: expect.stringMatching(/^cannot reach the API at http:\/\/127\.0\.0\.1:1: /) });
  });

  it('refuses to work without a URL (exit 3)', async () => {
    await expect(new ApiClient({}).request('GET', '/x')).rejects.toMatchObject({ exitCode: 3 });
  });
});
