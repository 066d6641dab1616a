/**
 * Code generation for one loss term's kernel (shaders/loss_term.wgsl): where each named
 * derivative is read from, how the unknowns' values follow from their raw parameters,
 * and where the adjoints go. Every derivative method fills the same jet-shaped buffers,
 * so this one kernel serves them all.
 */
import { expandDerivative, laplacianAxes, type LossTerm, type PdeProblem, type Unknown } from '../problems/types';
import { fillTemplate } from '../gpu/shaders';
import { wgslFloat } from '../gpu/kernels';
import { factorial } from '../jets/taylor-jet';

/** Where the jets of a term live. */
export interface JetLayout {
  /** Per-point weights pw[p] multiply the term's weight (causal training's and residual-based attention's). */
  pointWeights?: boolean;
  /** Highest order per distinct direction. */
  orders: number[];
  /**
   * Packed: all directions in one buffer, direction j's block at j * chunk elements,
   * rows of n1 = max order + 1 coefficients. Otherwise one buffer per direction.
   */
  packed: boolean;
  chunk: number;
  /** Odd model u = N(x) − N(−x): direction j's mirrored jet (at −x along −v) is block j + J. */
  mirrored?: boolean;
  /**
   * Two independent estimates (Stein, halves of the draws): direction j's second one is block
   * j + J, and a point's loss part is w r_A r_B / n, whose mean is w r² / n without the variance
   * a squared estimate adds (the r_A r_B trick of arXiv 2311.15283's unbiased losses).
   */
  split?: boolean;
  /**
   * Double-single jets (src/engine/taylor-jet-ds.ts): each jet buffer has a twin of low parts,
   * bound after the others; the derivatives are read as hi + lo and the residual's value is
   * computed from them (the term's residualDsWgsl where it has one).
   */
  precise?: boolean;
  /** Network outputs per coefficient (a system): element (row + k) · outputs + o; default 1. */
  outputs?: number;
}

/** Random slots of a Laplacian (STDE): `batch` random jets per point, sparse coordinates or dense ±1 directions. */
export type RandomSlots = { kind: 'sparse' | 'dense'; batch: number };

/**
 * Directions of a term, each once; for each derivative the directions it sums with their
 * scales (a Laplacian: each of its axes, STDE's random slots scaled by a/B or 1/B for a
 * Laplacian over a axes, or with `stein` one slot of order 2 that the Stein estimator
 * fills with the Laplacian over its axes); which directions are random (redrawn every
 * step); slotAxes: per direction, the number of leading axes a random or Stein Laplacian
 * slot covers (0 for a fixed direction); dirOf: each derivative's first direction.
 */
export function termDirections(
  term: LossTerm,
  dim = term.derivatives[0]?.direction.length ?? 1,
  stde?: RandomSlots,
  stein = false,
): { directions: Float32Array[]; dirOf: number[]; orders: number[]; sources: { j: number; scale: number }[][]; random: boolean[]; slotAxes: number[] } {
  const keys: string[] = [];
  const vectors: number[][] = [];
  const random: boolean[] = [];
  const slotAxes: number[] = [];
  const slot = (key: string, v: number[], isRandom: boolean, axes = 0) => {
    if (!keys.includes(key)) {
      keys.push(key);
      vectors.push(v);
      random.push(isRandom);
      slotAxes.push(axes);
    }
    return keys.indexOf(key);
  };
  const sources = term.derivatives.map((s, i) => {
    // an operator's block holds L u at c_0 (src/engine/methods/operator-rows.ts fills it)
    if (s.operator) return [{ j: slot(`op:${i}`, new Array(dim).fill(0), false), scale: 1 }];
    const axes = s.laplacian ? laplacianAxes(s, dim) : 0;
    if (s.laplacian && stein) return [{ j: slot(`stein:${axes}`, new Array(dim).fill(0), false, axes), scale: 1 }];
    if (s.laplacian && stde) {
      const scale = stde.kind === 'sparse' ? axes / stde.batch : 1 / stde.batch;
      // keyed by axes too: Laplacians over different axes draw their own slots
      const key = (b: number) => (axes === dim ? `stde:${b}` : `stde:${axes}:${b}`);
      return Array.from({ length: stde.batch }, (_, b) => ({ j: slot(key(b), new Array(dim).fill(0), true, axes), scale }));
    }
    return expandDerivative(s, dim).map((v) => ({ j: slot(v.join(','), v, false), scale: 1 }));
  });
  const orders = keys.map((_, j) => Math.max(...term.derivatives.filter((_, i) => sources[i].some((src) => src.j === j)).map((s) => s.order)));
  return { directions: vectors.map((v) => Float32Array.from(v)), dirOf: sources.map((src) => src[0].j), orders, sources, random, slotAxes };
}

/** Above this many directions a term packs its jets into one buffer (storage-buffer bindings are few). */
export const PACK_ABOVE_DIRECTIONS = 2;


/** An f64 constant as a WGSL double-single (hi, lo): hi its f32 rounding, lo the rest rounded. */
function dsLiteral(v: number): string {
  const hi = Math.fround(v);
  return `vec2f(${wgslFloat(hi)}, ${wgslFloat(Math.fround(v - hi))})`;
}

/**
 * Hard boundary transform u = g + φ N: the Taylor coefficients of φ(x + t v) (a product
 * of linear factors in t) times the network's, as a truncated product. WGSL statements
 * that fill `ph{j}` for direction j.
 */
function hardFactorCode(problem: Pick<PdeProblem, 'hard' | 'domain'>, dir: Float32Array, j: number, n1: number): string {
  const { lo, hi } = problem.domain;
  const lines = [`  var ph${j} : array<f32, ${n1}>;`, `  ph${j}[0] = 1.0;`];
  for (const { axis: a, side } of problem.hard!.factors) {
    const w = hi[a] - lo[a];
    // each factor: (alpha + beta t) with t along v
    const linear: [string, string][] =
      side === 'both'
        ? [
            [`${wgslFloat(4 / w ** 2)} * (x[${a}] - ${wgslFloat(lo[a])})`, wgslFloat((4 / w ** 2) * dir[a])],
            [`(${wgslFloat(hi[a])} - x[${a}])`, wgslFloat(-dir[a])],
          ]
        : side === 'lo'
          ? [[`(x[${a}] - ${wgslFloat(lo[a])}) / ${wgslFloat(w)}`, wgslFloat(dir[a] / w)]]
          : [[`(${wgslFloat(hi[a])} - x[${a}]) / ${wgslFloat(w)}`, wgslFloat(-dir[a] / w)]];
    for (const [alpha, beta] of linear) {
      lines.push(`  { let al = ${alpha}; let be = ${beta};`);
      lines.push(`    for (var k = ${n1 - 1}; k > 0; k--) { ph${j}[k] = ph${j}[k] * al + ph${j}[k - 1] * be; }`);
      lines.push(`    ph${j}[0] = ph${j}[0] * al; }`);
    }
  }
  return lines.join('\n');
}

export function lossTermCode(
  dim: number,
  term: LossTerm,
  unknowns: readonly Unknown[],
  layout: JetLayout,
  hard?: Pick<PdeProblem, 'hard' | 'domain'>,
  stde?: RandomSlots,
  stein = false,
): string {
  const { dirOf, directions, sources } = termDirections(term, dim, stde, stein);
  if (term.derivatives.some((s) => s.laplacian || s.operator) && (layout.mirrored || hard?.hard)) throw new Error('a Laplacian or operator term does not combine with an odd model or a hard transform yet');
  const { orders, packed, chunk } = layout;
  const J = orders.length;
  if (layout.mirrored && (!packed || hard?.hard)) throw new Error('a mirrored (odd) model needs the packed layout and no hard transform');
  if (layout.split && (!packed || hard?.hard || layout.mirrored)) throw new Error('split estimates need the packed layout, no hard transform and no odd model');
  if (layout.precise && (hard?.hard || layout.split || stde || stein)) throw new Error('double-single jets do not combine with a hard transform, split estimates, STDE or Stein yet');
  const nq = unknowns.length;
  if (nq > 0 && !term.residualUnknownGradWgsl) throw new Error(`loss term ${term.name} needs residualUnknownGradWgsl (its problem trains unknowns)`);
  const width = packed ? Math.max(...orders) + 1 : 0;
  const jetName = (j: number) => (packed ? 'jet0' : `jet${j}`);
  const adjName = (j: number) => (packed ? 'adj0' : `adj${j}`);
  const loName = (j: number) => (packed ? 'jetlo0' : `jetlo${j}`);
  // a paired term reads a derivative marked `partner` at the partner point pB (the kernel's p + n/2)
  if (term.pairs && (hard?.hard || layout.mirrored)) throw new Error(`${term.name}: a paired (periodic) term does not combine with a hard transform or an odd model`);
  const ptOf = (i: number) => (term.pairs && term.derivatives[i].partner ? 'pB' : 'p');
  const row = (j: number, pv = 'p') => (packed ? `${j * chunk}u + ${pv} * ${width}u` : `${pv} * ${orders[j] + 1}u`);
  // a system's outputs: coefficient c of output o at c · NOUT + o
  const nout = layout.outputs ?? 1;
  if (nout > 1 && (hard?.hard || layout.mirrored || layout.precise)) throw new Error('a system of several outputs does not combine with a hard transform, an odd model or double-single jets');
  const at = (j: number, k: number | string, i: number) => (nout === 1 ? `${row(j, ptOf(i))} + ${k}u` : `(${row(j, ptOf(i))} + ${k}u) * ${nout}u + ${term.derivatives[i].output ?? 0}u`);
  const nBuffers = packed ? 1 : orders.length;
  const bindings = Array.from(
    { length: nBuffers },
    (_, j) => `@group(0) @binding(${3 + 2 * j}) var<storage, read> jet${j} : array<f32>;\n@group(0) @binding(${4 + 2 * j}) var<storage, read_write> adj${j} : array<f32>;`,
  );
  // the optional buffers follow in this order (term.ts binds them in the same order)
  let next = 3 + 2 * nBuffers;
  const bind = (decl: string) => bindings.push(`@group(0) @binding(${next++}) ${decl}`);
  if (nq > 0) {
    bind('var<storage, read> unknowns : array<f32>;');
    bind('var<storage, read_write> qparts : array<f32>;');
  }
  if (term.observations) bind('var<storage, read> obs : array<f32>;');
  if (layout.precise) for (let j = 0; j < nBuffers; j++) bind(`var<storage, read> jetlo${j} : array<f32>;`);
  // point weights (causal training, residual-based attention)
  if (layout.pointWeights) bind('var<storage, read> pw : array<f32>;');
  const qValues =
    nq === 0
      ? '  q[0] = 0.0;'
      : unknowns
          .map((u, i) => {
            if (!u.bounds) return `  q[${i}] = unknowns[${i}];\n  dq[${i}] = 1.0;`;
            const [lo, hi] = u.bounds;
            return `  { let th = tanh(unknowns[${i}]);\n    q[${i}] = ${wgslFloat(lo)} + ${wgslFloat((hi - lo) / 2)} * (1.0 + th);\n    dq[${i}] = ${wgslFloat((hi - lo) / 2)} * (1.0 - th * th); }`;
          })
          .join('\n');
  // double-single: the unknowns' values as double-singles too (q = lo + c (1 + tanh s) rounded to
  // f32 moves λ in steps of an ulp, which shifts a cancelling residual by more than its precision)
  const qDs = !layout.precise
    ? ''
    : [
        `  var qd : array<vec2f, NQ>;`,
        ...unknowns.map((u, i) => {
          if (!u.bounds) return `  qd[${i}] = vec2f(unknowns[${i}], 0.0);`;
          const [lo, hi] = u.bounds;
          return `  qd[${i}] = dsAdd(${dsLiteral(lo)}, dsMul(${dsLiteral((hi - lo) / 2)}, dsAdd(vec2f(1.0, 0.0), dsTanh(vec2f(unknowns[${i}], 0.0)))));`;
        }),
      ].join('\n');
  // each derivative: a scaled sum over its directions (one term unless it is a Laplacian);
  // an odd model u = N(x) − N(−x) subtracts each direction's mirrored block j + J (the jet
  // along −v at −x, since d/dt N(−(x + t v)) is that jet)
  const terms = layout.mirrored ? sources.map((src) => src.flatMap(({ j, scale }) => [{ j, scale }, { j: j + J, scale: -scale }])) : sources;
  const load = layout.precise
    ? [
        '  var dd : array<vec2f, ND>;',
        ...term.derivatives.map((s, i) => {
          const parts = terms[i].map(({ j, scale }) => {
            const at = `${row(j, ptOf(i))} + ${s.order}u`;
            return `dsMulF(vec2f(${jetName(j)}[${at}], ${loName(j)}[${at}]), ${wgslFloat(scale * factorial(s.order))})`;
          });
          return `  dd[${i}] = ${parts.reduce((acc, t) => `dsAdd(${acc}, ${t})`)};\n  d[${i}] = dsToF(dd[${i}]);`;
        }),
      ]
    : term.derivatives.map((s, i) => `  d[${i}] = ${terms[i].map(({ j, scale }) => `${wgslFloat(scale * factorial(s.order))} * ${jetName(j)}[${at(j, s.order, i)}]`).join(' + ')};`);
  const blocks = layout.mirrored || layout.split ? 2 * J : J;
  // (a pair's thread clears its partner's rows too: the partner's own thread writes nothing)
  const clear = Array.from({ length: blocks }, (_, j) =>
    (term.pairs ? ['p', 'pB'] : ['p']).map((pv) => `  for (var k = 0u; k < ${(packed ? width : orders[j] + 1) * nout}u; k++) { ${adjName(j)}[(${row(j, pv)}) * ${nout}u + k] = 0.0; }`).join('\n'),
  );
  const store = term.derivatives.flatMap((s, i) =>
    terms[i].map(({ j, scale }) => `  ${adjName(j)}[${at(j, s.order, i)}] += s * g[${i}] * ${wgslFloat(scale * factorial(s.order))};`),
  );
  if (hard?.hard) {
    // u_k = sum_m ph_m c_(k-m); its adjoint: cbar_(k-m) += ubar_k ph_m
    load.length = 0;
    store.length = 0;
    orders.forEach((o, j) => load.push(hardFactorCode(hard, directions[j], j, o + 1)));
    term.derivatives.forEach((s, i) => {
      const j = dirOf[i];
      const sum = Array.from({ length: s.order + 1 }, (_, m) => `ph${j}[${m}] * ${jetName(j)}[${row(j)} + ${s.order - m}u]`).join(' + ');
      const g = hard.hard!.g ? ` + hardG(x, array<f32, D>(${Array.from(directions[j]).map((v) => wgslFloat(v)).join(', ')}), ${s.order}u)` : '';
      load.push(`  d[${i}] = ${wgslFloat(factorial(s.order))} * (${sum}${g});`);
      for (let m = 0; m <= s.order; m++) store.push(`  ${adjName(j)}[${row(j)} + ${s.order - m}u] += s * g[${i}] * ${wgslFloat(factorial(s.order))} * ph${j}[${m}];`);
    });
  }
  if (layout.split) {
    // r = r_A (from d), r_B from dB: part w r_A r_B / n; adjoints w r_B g_A / n and w r_A g_B / n
    load.push('  var dB : array<f32, ND>;');
    term.derivatives.forEach((s, i) => load.push(`  dB[${i}] = ${sources[i].map(({ j, scale }) => `${wgslFloat(scale * factorial(s.order))} * ${jetName(j + J)}[${at(j + J, s.order, i)}]`).join(' + ')};`));
    store.length = 0;
    store.push(
      '  let rB = residual(x, dB, q);',
      '  parts[p] = weight * r * rB / f32(npts);',
      '  let gB = residualGrad(x, dB, q);',
      '  let sA = weight * rB / f32(npts);',
      '  let sB = weight * r / f32(npts);',
    );
    term.derivatives.forEach((s, i) =>
      sources[i].forEach(({ j, scale }) => {
        store.push(`  ${adjName(j)}[${at(j, s.order, i)}] += sA * g[${i}] * ${wgslFloat(scale * factorial(s.order))};`);
        store.push(`  ${adjName(j + J)}[${at(j + J, s.order, i)}] += sB * gB[${i}] * ${wgslFloat(scale * factorial(s.order))};`);
      }),
    );
    if (nq > 0) {
      store.push('  let gqA = residualUnknownGrad(x, d, q);', '  let gqB = residualUnknownGrad(x, dB, q);', ...unknowns.map((_, i) => `  qparts[p * NQ + ${i}u] = (sA * gqA[${i}] + sB * gqB[${i}]) * dq[${i}];`));
    }
  } else if (nq > 0) store.push('  let gq = residualUnknownGrad(x, d, q);', ...unknowns.map((_, i) => `  qparts[p * NQ + ${i}u] = s * gq[${i}] * dq[${i}];`));
  return fillTemplate('loss_term', {
    D: dim,
    ND: term.derivatives.length,
    NQ: Math.max(1, nq),
    BINDINGS: bindings.join('\n'),
    RESIDUAL: term.residualWgsl,
    RESIDUAL_GRAD: term.residualGradWgsl,
    RESIDUAL_Q_GRAD: nq > 0 ? term.residualUnknownGradWgsl! : 'return array<f32, 1>(0.0);',
    Q_VALUES: [qValues, qDs].filter(Boolean).join('\n'),
    LOAD: load.join('\n'),
    DS_RESIDUAL: layout.precise && term.residualDsWgsl ? `fn residualDs(x : array<f32, D>, dd : array<vec2f, ND>, q : array<f32, NQ>, qd : array<vec2f, NQ>) -> f32 {\n  ${term.residualDsWgsl}\n}` : '',
    RESIDUAL_VALUE: layout.precise && term.residualDsWgsl ? 'residualDs(x, dd, q, qd)' : 'residual(x, d, q)',
    HELPERS: hard?.hard?.g ? `fn hardG(x : array<f32, D>, v : array<f32, D>, k : u32) -> f32 {\n  ${hard.hard.g.jetWgsl}\n}` : '',
    STORE: [...clear, ...store].join('\n'),
    POINT_WEIGHT: layout.pointWeights ? ' * pw[p]' : '',
    PAIRS: term.pairs ? 2 : 1,
    PAIR_IDLE: nq > 0 ? `    for (var u = 0u; u < NQ; u++) { qparts[p * NQ + u] = 0.0; }` : '',
  });
}
