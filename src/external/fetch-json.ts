/** Why an external document could not be had. */
export class FetchError extends Error {
  override readonly name = 'FetchError';
}

/**
 * GETs a JSON document with a timeout and a size cap, reading the body as a stream so an endless
 * or huge answer is cut off. Never follows more than the platform's redirect policy; never logs.
 */
export async function fetchJson(url: string, timeoutMs: number, maxBytes: number): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'application/json' }, redirect: 'error' });
  } catch (err) {
    throw new FetchError(`${url}: ${(err as Error).name === 'TimeoutError' ? 'timed out' : 'unreachable'}`);
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new FetchError(`${url}: HTTP ${res.status}`);
  }
  const declared = Number(res.headers.get('content-length') ?? '0');
  if (declared > maxBytes) {
    await res.body?.cancel();
    throw new FetchError(`${url}: larger than ${maxBytes} bytes`);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = res.body?.getReader();
  try {
    while (reader) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel();
        throw new FetchError(`${url}: larger than ${maxBytes} bytes`);
      }
      chunks.push(value);
    }
  } catch (err) {
    if (err instanceof FetchError) throw err;
    throw new FetchError(`${url}: ${(err as Error).name === 'TimeoutError' ? 'timed out' : 'read failed'}`);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new FetchError(`${url}: not JSON`);
  }
}
