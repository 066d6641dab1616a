import { InputError } from '../errors';
import { Rng } from '../sampling/rng';
import { InputEmbedding, type EmbeddingJson } from './embedding';

export type Activation = 'tanh' | 'sin';
export const ACTIVATIONS: readonly Activation[] = ['tanh', 'sin'];

/** Shape of a multilayer perceptron: `depth` hidden layers of `width`, then a linear output. */
export interface MlpShape {
  inputDim: number;
  width: number;
  depth: number;
  outputDim: number;
  activation: Activation;
}

export interface LayerLayout {
  inDim: number;
  outDim: number;
  /** Offsets (in floats) of W [out][in] row-major and of b [out] in the flat parameter vector. */
  weightOffset: number;
  biasOffset: number;
}

/** Layer sizes and where each layer's parameters sit in one flat f32 vector. */
export function mlpLayout(sizes: readonly number[]): { layers: LayerLayout[]; count: number } {
  const layers: LayerLayout[] = [];
  let offset = 0;
  for (let l = 0; l + 1 < sizes.length; l++) {
    const inDim = sizes[l];
    const outDim = sizes[l + 1];
    layers.push({ inDim, outDim, weightOffset: offset, biasOffset: offset + inDim * outDim });
    offset += inDim * outDim + outDim;
  }
  return { layers, count: offset };
}

/** An MLP's parameters on the CPU (f32, the precision the GPU computes in). */
export class Mlp {
  readonly layers: LayerLayout[];

  constructor(
    readonly sizes: readonly number[],
    readonly activation: Activation,
    readonly params: Float32Array,
    /** A fixed map of the inputs in front of the first layer (embedding.ts): the first layer then reads its outDim features. */
    readonly embedding: InputEmbedding | null = null,
  ) {
    const layout = mlpLayout(sizes);
    if (params.length !== layout.count) {
      throw new InputError(`parameter vector has ${params.length} entries, the shape needs ${layout.count}`);
    }
    if (embedding && embedding.outDim !== sizes[0]) throw new InputError(`the embedding gives ${embedding.outDim} features, the first layer reads ${sizes[0]}`);
    this.layers = layout.layers;
  }

  /** The problem's inputs (with an embedding, the first layer reads its features instead). */
  get inputDim(): number {
    return this.embedding ? this.embedding.inDim : this.sizes[0];
  }

  get outputDim(): number {
    return this.sizes[this.sizes.length - 1];
  }

  /**
   * Glorot/Xavier-normal weights, from a seed: the same seed gives the same network everywhere.
   * Biases are zero, or with `biases: 'uniform'` drawn from U(−1/√fan_in, 1/√fan_in) (PyTorch's
   * default): an odd model N(x) − N(−x) needs them, since with zero biases N is odd, every bias
   * gradient of N(x) − N(−x) is exactly zero, and the biases never leave zero.
   */
  static init(shape: MlpShape, seed: number, options: { biases?: 'zero' | 'uniform'; embedding?: InputEmbedding | null } = {}): Mlp {
    validateShape(shape);
    const embedding = options.embedding ?? null;
    if (embedding && embedding.inDim !== shape.inputDim) throw new InputError(`the embedding reads ${embedding.inDim} inputs, the network has ${shape.inputDim}`);
    const sizes = [embedding ? embedding.outDim : shape.inputDim, ...Array<number>(shape.depth).fill(shape.width), shape.outputDim];
    const { layers, count } = mlpLayout(sizes);
    const params = new Float32Array(count);
    const rng = new Rng(seed);
    for (const layer of layers) {
      const std = Math.sqrt(2 / (layer.inDim + layer.outDim));
      for (let i = 0; i < layer.inDim * layer.outDim; i++) params[layer.weightOffset + i] = std * rng.normal();
    }
    if (options.biases === 'uniform') {
      // drawn after every weight, so the weights are those of the zero-bias network of the same seed
      for (const layer of layers) {
        const bound = 1 / Math.sqrt(layer.inDim);
        for (let o = 0; o < layer.outDim; o++) params[layer.biasOffset + o] = bound * (2 * rng.uniform() - 1);
      }
    }
    return new Mlp(sizes, shape.activation, params, embedding);
  }

  /** The same network with other parameters (its shape, activation and embedding kept). */
  withParams(params: Float32Array): Mlp {
    return new Mlp(this.sizes, this.activation, params, this.embedding);
  }

  /** PyTorch nn.Linear convention: weight [out][in], bias [out]. */
  toJSON(): MlpJson {
    return {
      activation: this.activation,
      layers: this.layers.map((l) => ({
        weight: Array.from({ length: l.outDim }, (_, o) =>
          Array.from(this.params.subarray(l.weightOffset + o * l.inDim, l.weightOffset + (o + 1) * l.inDim)),
        ),
        bias: Array.from(this.params.subarray(l.biasOffset, l.biasOffset + l.outDim)),
      })),
      ...(this.embedding ? { embedding: this.embedding.toJSON() } : {}),
    };
  }

  static fromJSON(json: unknown): Mlp {
    if (typeof json !== 'object' || json === null) throw new InputError('model must be a JSON object');
    const obj = json as Record<string, unknown>;
    const activation = obj.activation;
    if (typeof activation !== 'string' || !ACTIVATIONS.includes(activation as Activation)) {
      throw new InputError(`model.activation must be one of ${ACTIVATIONS.join(', ')}, got ${JSON.stringify(activation)}`);
    }
    if (!Array.isArray(obj.layers) || obj.layers.length === 0) {
      throw new InputError('model.layers must be a non-empty array of {weight, bias}');
    }
    const sizes: number[] = [];
    const values: number[] = [];
    obj.layers.forEach((layer: unknown, l: number) => {
      const where = `model.layers[${l}]`;
      if (typeof layer !== 'object' || layer === null) throw new InputError(`${where} must be an object`);
      const { weight, bias } = layer as Record<string, unknown>;
      if (!Array.isArray(weight) || weight.length === 0) throw new InputError(`${where}.weight must be a non-empty [out][in] array`);
      const outDim = weight.length;
      const inDim = Array.isArray(weight[0]) ? weight[0].length : 0;
      if (inDim === 0) throw new InputError(`${where}.weight[0] must be a non-empty array`);
      if (l === 0) sizes.push(inDim);
      else if (sizes[l] !== inDim) {
        throw new InputError(`${where}.weight has ${inDim} inputs but the previous layer has ${sizes[l]} outputs`);
      }
      sizes.push(outDim);
      weight.forEach((row: unknown, o: number) => {
        if (!Array.isArray(row) || row.length !== inDim) throw new InputError(`${where}.weight[${o}] must have ${inDim} numbers`);
        row.forEach((v: unknown, i: number) => values.push(finite(v, `${where}.weight[${o}][${i}]`)));
      });
      if (!Array.isArray(bias) || bias.length !== outDim) throw new InputError(`${where}.bias must have ${outDim} numbers`);
      bias.forEach((v: unknown, o: number) => values.push(finite(v, `${where}.bias[${o}]`)));
    });
    const embedding = obj.embedding === undefined ? null : InputEmbedding.fromJSON(obj.embedding);
    if (embedding && embedding.outDim !== sizes[0]) throw new InputError(`model.embedding gives ${embedding.outDim} features but model.layers[0] reads ${sizes[0]}`);
    return new Mlp(sizes, activation as Activation, Float32Array.from(values), embedding);
  }
}

export interface MlpJson {
  activation: Activation;
  layers: { weight: number[][]; bias: number[] }[];
  /** A fixed input embedding in front of layers[0] (embedding.ts). */
  embedding?: EmbeddingJson;
}

function finite(v: unknown, where: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new InputError(`${where} must be a finite number`);
  // the GPU holds parameters in f32: beyond its range a weight becomes Infinity and every output NaN
  if (!Number.isFinite(Math.fround(v))) throw new InputError(`${where} is ${v}, beyond f32's range (±3.4028235e38)`);
  return v;
}

/** The number of weights and biases of a network of this shape. */
export function parameterCount(shape: MlpShape): number {
  const { inputDim: d, width: w, depth: n, outputDim: m } = shape;
  return n === 0 ? d * m + m : d * w + w + (n - 1) * (w * w + w) + w * m + m;
}

export function validateShape(shape: MlpShape): void {
  const ints: [keyof MlpShape, number, number][] = [
    ['inputDim', 1, 1 << 24],
    ['width', 1, 4096],
    ['depth', 0, 64],
    ['outputDim', 1, 4096],
  ];
  for (const [key, lo, hi] of ints) {
    const v = shape[key] as number;
    if (!Number.isInteger(v) || v < lo || v > hi) throw new InputError(`${key} must be an integer in [${lo}, ${hi}], got ${v}`);
  }
  if (!ACTIVATIONS.includes(shape.activation)) throw new InputError(`activation must be one of ${ACTIVATIONS.join(', ')}`);
  // counted before anything is allocated: each range alone allows networks no typed array holds
  const { inputDim: d, width: w, depth: n } = shape;
  const count = parameterCount(shape);
  if (count > MAX_PARAMETERS) {
    throw new InputError(`a ${d}-input network of depth ${n} and width ${w} has ${count.toExponential(2)} parameters (${((count * 4) / 2 ** 30).toFixed(1)} GiB); at most ${MAX_PARAMETERS.toExponential(0)} (${((MAX_PARAMETERS * 4) / 2 ** 30).toFixed(1)} GiB) are allowed`);
  }
}

/** The most parameters a network may have: 2^30 f32 values, 4 GiB, beyond any device's storage-buffer limit (the trainers check that limit too). */
export const MAX_PARAMETERS = 2 ** 30;
