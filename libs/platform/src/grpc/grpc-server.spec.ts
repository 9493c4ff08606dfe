import { connect } from 'node:http2';
import { GrpcServer } from './grpc-server';

describe('GrpcServer', () => {
  it('offers wide HTTP/2 receive windows, so large Picks are not throttled by flow control', async () => {
    const server = new GrpcServer([]);
    const port = await server.start('127.0.0.1', 0);
    const session = connect(`http://127.0.0.1:${port}`);
    try {
      // The window comes in a SETTINGS frame sent once the session is up; wait for it.
      const size = await new Promise<number | undefined>((resolve) => {
        const check = () => (session.remoteSettings.initialWindowSize !== 65535 ? resolve(session.remoteSettings.initialWindowSize) : undefined);
        session.on('remoteSettings', check);
        setTimeout(() => resolve(session.remoteSettings.initialWindowSize), 2000);
      });
      expect(size).toBe(4 * 1024 * 1024);
    } finally {
      session.close();
      await server.stop(1000);
    }
  });
});
