// Runs the benchmarks against the test stack and prints their figures as Markdown for docs/BENCHMARKS.md.
import { cpus, totalmem } from 'node:os';
import { fanoutBenchmarks } from './fanout.js';
import { nestedQueryBenchmarks } from './nested.js';
import { overheadBenchmarks } from './overhead.js';
import { pipelineBenchmarks } from './pipelines.js';
import { startupBenchmarks } from './startup.js';
import { uploadBenchmarks } from './uploads.js';

const suites: Record<string, () => Promise<string[]>> = {
  uploads: uploadBenchmarks,
  pipelines: pipelineBenchmarks,
  nested: nestedQueryBenchmarks,
  startup: startupBenchmarks,
  fanout: fanoutBenchmarks,
  overhead: overheadBenchmarks,
};

const only = process.argv.slice(2);
console.log(
  `Machine: ${cpus().length} × ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 1024 ** 3)} GiB; Node ${process.version}\n`,
);
for (const [name, run] of Object.entries(suites)) {
  if (only.length > 0 && !only.includes(name)) continue;
  console.log(`## ${name}\n`);
  console.log((await run()).join('\n'));
  console.log();
}
