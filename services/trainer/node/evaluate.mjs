// Runs the Node evaluator (@cytoclip/model evaluateModel) and prints its JSON report, so the Python tests can
// prove the two evaluators agree. Usage: node --conditions=source --import tsx evaluate.mjs <model dir> <dataset dir>
import { evaluateModel } from '@cytoclip/model';

const [modelDir, datasetDir] = process.argv.slice(2);
const report = await evaluateModel({ modelDir, datasetDir });
process.stdout.write(JSON.stringify(report));
