import { prefillBody } from './prefill-step';

describe('prefillBody', () => {
  it('asks for one token, not streamed, with do_remote_decode, and keeps the rest', () => {
    const body = { model: 'm', messages: [{ role: 'user', content: 'hi' }], stream: true, stream_options: { include_usage: true }, max_completion_tokens: 99, max_tokens: 50, temperature: 0.2, tools: [{ type: 'function' }] };
    expect(prefillBody(body)).toEqual({
      model: 'm',
      messages: [{ role: 'user', content: 'hi' }],
      max_tokens: 1,
      stream: false,
      temperature: 0.2,
      tools: [{ type: 'function' }],
      kv_transfer_params: { do_remote_decode: true, do_remote_prefill: false, remote_engine_id: null, remote_block_ids: null, remote_host: null, remote_port: null },
    });
  });
});
