/** What the live (WebSocket) link to the API is doing right now. */
export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'offline';

/**
 * Live-link status, fed by graphql-ws client events. The socket retries for
 * ever, so `offline` means "down, next retry pending", not "given up".
 */
export class Connection {
  state = $state<ConnectionState>('connecting');
  #everConnected = false;

  connecting(): void {
    this.state = this.#everConnected ? 'reconnecting' : 'connecting';
  }

  connected(): void {
    this.#everConnected = true;
    this.state = 'connected';
  }

  closed(): void {
    this.state = 'offline';
  }
}
