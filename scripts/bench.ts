/**
 * `npm run bench -- [options]`: the training-throughput benchmark, exactly as `npx ea bench` (see
 * `ea bench --help`).
 */
import { main } from '../lib/cli.js';

process.exitCode = await main(['bench', ...process.argv.slice(2)]);
