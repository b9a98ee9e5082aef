import * as ort from 'onnxruntime-node';
import { CytoclipError } from '@cytoclip/domain';

export type Device = 'cpu' | 'cuda';

export interface SessionOptions {
  device: Device;
  /** With device 'cuda': run on the CPU (with a logged warning) when this onnxruntime-node has no CUDA provider. */
  allowCpuFallback?: boolean;
  intraOpNumThreads?: number;
  /** Where the fallback warning goes (default console.warn). */
  warn?: (message: string) => void;
}

export const CUDA_HELP =
  'this onnxruntime-node install has no CUDA execution provider (its install script, which downloads the CUDA 12 ' +
  'provider, is skipped here). On a machine with CUDA 12 and network access run ' +
  '`node node_modules/onnxruntime-node/script/install.js --onnxruntime-node-install=cuda12`, or use device "cpu" ' +
  '(or allowCpuFallback)';

/** One intra-op thread per graph by default: on small machines (2 cores) 1 beat 2 (bench:embed), and the image
 * and text graphs each get their own thread. */
export const DEFAULT_INTRA_OP_THREADS = 1;

function sessionOptions(device: Device, threads: number | undefined): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: [device],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: threads ?? DEFAULT_INTRA_OP_THREADS,
    interOpNumThreads: 1,
  };
}

async function create(path: string, device: Device, threads: number | undefined): Promise<ort.InferenceSession> {
  try {
    return await ort.InferenceSession.create(path, sessionOptions(device, threads));
  } catch (error) {
    const message = (error as Error).message;
    if (device === 'cuda')
      throw new CytoclipError('cuda_unavailable', `cannot open ${path} on CUDA: ${CUDA_HELP} (${message})`, {
        status: 500,
        cause: error,
      });
    throw new CytoclipError('invalid_model_package', `onnxruntime could not load ${path}: ${message}`, {
      cause: error,
    });
  }
}

/** Opens an ONNX graph on the asked device; see SessionOptions.allowCpuFallback. Returns the device it runs on. */
export async function openSession(
  path: string,
  options: SessionOptions,
): Promise<{ session: ort.InferenceSession; device: Device }> {
  if (options.device !== 'cuda')
    return { session: await create(path, 'cpu', options.intraOpNumThreads), device: 'cpu' };
  try {
    return { session: await create(path, 'cuda', options.intraOpNumThreads), device: 'cuda' };
  } catch (error) {
    if (!options.allowCpuFallback) throw error;
    (options.warn ?? console.warn)(
      `cytoclip: CUDA requested but unavailable, running ${path} on the CPU. ${CUDA_HELP}`,
    );
    return { session: await create(path, 'cpu', options.intraOpNumThreads), device: 'cpu' };
  }
}

export { ort };
