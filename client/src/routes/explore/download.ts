import type { ApiProblem } from '$lib/graphql/errors';
import { UNREACHABLE_MESSAGE } from '$lib/graphql/errors';

/** What a finished export download reports. */
export interface Downloaded {
  readonly fileName: string;
  /** Drawings in the file (the server's `x-sample-count`), when it said. */
  readonly samples: number | null;
  readonly bytes: number;
}

/**
 * Fetches an export with the given headers (the admin token) and hands it to
 * the browser as a download. A plain link cannot send `Authorization`, and
 * would show a refusal as a broken download instead of saying why.
 */
export async function download(path: string, fileName: string, headers: Record<string, string>): Promise<Downloaded | ApiProblem> {
  let response: Response;
  try {
    response = await fetch(path, { headers, cache: 'no-store' });
  } catch {
    return { code: 'NETWORK', message: UNREACHABLE_MESSAGE };
  }
  if (!response.ok) {
    const body = (await response.json().catch(() => null)) as { errors?: { message?: string; extensions?: { code?: string } }[] } | null;
    const first = body?.errors?.[0];
    return {
      code: first?.extensions?.code ?? `HTTP_${response.status}`,
      message: first?.message ?? `The server answered ${response.status} ${response.statusText}.`,
    };
  }
  const blob = await response.blob();
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  // The download has taken its copy once click() returns; a moment's grace for slow browsers.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  const samples = Number(response.headers.get('x-sample-count'));
  return { fileName, samples: Number.isFinite(samples) && response.headers.has('x-sample-count') ? samples : null, bytes: blob.size };
}

export function isProblem(value: Downloaded | ApiProblem): value is ApiProblem {
  return 'code' in value;
}
