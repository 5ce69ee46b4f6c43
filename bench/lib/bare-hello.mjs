/**
 * A bare Fastify service that answers "hello" on GET /hello: the framework's limit, in a process
 * of its own as a real service would be (bench/pinned.ts). It sends its URL to the parent over IPC
 * and exits when the parent disconnects.
 */
import Fastify from 'fastify';

const app = Fastify();
app.get('/hello', async () => 'hello');
const url = await app.listen({ host: '127.0.0.1', port: 0 });
process.send?.({ url });
process.on('disconnect', () => void app.close().then(() => process.exit(0)));
