/**
 * The Electron IPC channel names, as plain constants: the sandboxed preload
 * imports these and nothing heavier. lab-api.ts holds the schemas for each
 * call channel, and a unit test keeps the two lists equal.
 */
export const CALL_CHANNELS = [
  'lab:status', 'lab:probes', 'lab:start', 'lab:stop', 'lab:restart', 'lab:inspect', 'lab:sample', 'lab:lesson',
] as const;
/** main → renderer: live events, after the renderer sent SUBSCRIBE_CHANNEL. */
export const LIVE_CHANNEL = 'lab:live';
export const SUBSCRIBE_CHANNEL = 'lab:subscribe';
export const UNSUBSCRIBE_CHANNEL = 'lab:unsubscribe';
/** renderer → main: one live frame was handed to the page (main's backpressure counts these). */
export const FRAME_ACK_CHANNEL = 'lab:frame-ack';
