/**
 * `npm run bench -- [options]`: the training-throughput benchmark (see `ea bench --help`).
 */
import { runBenchCommand } from '../lib/bench/command.js';

process.exitCode = await runBenchCommand(process.argv.slice(2));
