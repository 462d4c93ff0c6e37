import assert from 'node:assert/strict';

/** Handle types that mean a server, a client socket or a child process is still open. */
const LEAKY = new Set(['TCPServerWrap', 'TCPSocketWrap', 'TCPWRAP', 'ProcessWrap', 'PipeServerWrap']);

const openHandles = (): string[] => process.getActiveResourcesInfo().filter((type) => LEAKY.has(type));

/**
 * Fails when a server, socket or child process is still open once the test
 * file closed everything. Sockets closed by the peer take a moment to go, so
 * this waits up to `timeoutMs` before failing.
 */
export async function assertNoOpenHandles(timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (openHandles().length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  assert.deepEqual(openHandles(), [], 'a server, socket or child process was left open');
}
