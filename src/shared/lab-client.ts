/**
 * Turns a LabTransport (preload IPC or the browser client) into the typed
 * LabApi: requests are checked before they leave, replies and live events are
 * validated when they arrive, and error data becomes a real LabError again.
 */
import {
  channels, envelopeSchema, liveEventSchema, type Channel, type ChannelReply, type ChannelRequest, type ChannelRequestParsed, type Envelope,
  isChannel, type LabApi, type LabTransport, type LiveEvent,
} from './lab-api.js';
import { LabError } from './errors.js';
import { describeIssue } from './protocol.js';

export function createLabApi(transport: LabTransport): LabApi {
  return {
    async call<C extends Channel>(channel: C, request: ChannelRequest<C>): Promise<ChannelReply<C>> {
      const checked = channels[channel].request.safeParse(request);
      if (!checked.success) throw new LabError('bad-request', describeIssue(checked.error));
      const envelope = envelopeSchema.safeParse(await transport.invoke(channel, checked.data));
      if (!envelope.success) throw new LabError('internal', `bad reply to ${channel}: ${describeIssue(envelope.error)}`);
      if (!envelope.data.ok) throw LabError.fromData(envelope.data.error);
      const reply = channels[channel].reply.safeParse(envelope.data.value);
      if (!reply.success) throw new LabError('internal', `bad reply to ${channel}: ${describeIssue(reply.error)}`);
      return reply.data as ChannelReply<C>;
    },
    subscribe(listener: (event: LiveEvent) => void): () => void {
      return transport.subscribe((raw) => {
        const event = liveEventSchema.safeParse(raw);
        if (event.success) listener(event.data);
        else listener({ type: 'log', level: 'error', message: `bad live event: ${describeIssue(event.error)}` });
      });
    },
  };
}

/**
 * The serving side of one call, shared by Electron main and `bpf-lab serve`:
 * validate the channel and payload, run the handler, and answer with an envelope.
 */
export async function serveCall(
  channel: unknown,
  payload: unknown,
  handle: <C extends Channel>(channel: C, request: ChannelRequestParsed<C>) => Promise<ChannelReply<C>>,
): Promise<Envelope> {
  try {
    if (!isChannel(channel)) throw new LabError('bad-request', `unknown channel ${String(channel).slice(0, 80)}`);
    const c = channel;
    const request = channels[c].request.safeParse(payload);
    if (!request.success) throw new LabError('bad-request', describeIssue(request.error));
    return { ok: true, value: await handle(c, request.data as ChannelRequestParsed<typeof c>) };
  } catch (e) {
    return { ok: false, error: LabError.toData(e) };
  }
}
