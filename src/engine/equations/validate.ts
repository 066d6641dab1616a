/**
 * `pinn validate`: what a problem file asks of the engine, and whether its exact solution
 * satisfies every equation and condition. The exact solution's derivatives are taken
 * symbolically from its tree and every residual is evaluated in f64 at the term's points
 * (interior: a seeded sample), so a typo shows before training.
 */
import { Rng } from '../sampling/rng';
import { evaluate, leaves, size, total, type Expr } from './expr';
import { atomName, atomOrder, type CompiledProblem } from './problem-file';

export interface TermCheck {
  name: string;
  kind: 'equation' | 'condition' | 'data';
  /** The largest |residual| of the exact solution over the checked points, relative to 1 + the size of its derivatives. */
  largest: number;
  /** Where it is largest. */
  at: number[];
  points: number;
}

export interface Validation {
  id: string;
  inputs: string[];
  outputs: string[];
  unknowns: string[];
  parameters: Record<string, number>;
  terms: { name: string; kind: string; points: string; weight: number; derivatives: string[] }[];
  /** Every derivative the loss needs, by name, and the highest order. */
  derivatives: string[];
  maxOrder: number;
  /** Null without an exact solution. */
  checks: TermCheck[] | null;
  /** Why a term was not checked (an unknown without an exact value). */
  skipped: string[];
  ok: boolean;
}

/** Residuals of an exact solution below this (relative) pass: f64 rounding of symbolic derivatives is far below it. */
export const EXACT_TOLERANCE = 1e-8;

/**
 * The most nodes (counted as a tree) of one derivative of the exact solution that is written
 * out and evaluated: each differentiation can multiply the size, and the app validates every
 * file it opens, so a large exact solution under a high-order equation must not hang it.
 */
export const EXACT_DERIVATIVE_LIMIT = 20_000;

export function validateProblem(c: CompiledProblem, samples = 64): Validation {
  const { problem, table, inputs, outputs } = c;
  const names = table.atoms.map((a) => atomName(a, inputs, outputs));
  const used = [...new Set(c.residuals.flatMap((r) => r.atoms))];
  const maxOrder = Math.max(0, ...used.map((i) => atomOrder(table.atoms[i])));
  const result: Validation = {
    id: problem.id,
    inputs,
    outputs,
    unknowns: (problem.unknowns ?? []).map((u) => u.name),
    parameters: Object.fromEntries(Object.entries(c.parameters).map(([k, v]) => [k, v.value])),
    terms: c.residuals.map((r) => ({
      name: r.term.name,
      kind: r.kind,
      points: r.term.points === 'interior' ? 'interior (resampled)' : r.term.pairs ? `${r.term.points.length / 2} fixed pairs` : `${r.term.points.length} fixed`,
      weight: r.term.weight,
      derivatives: r.term.derivatives.map((d) => d.name),
    })),
    derivatives: used.map((i) => names[i]),
    maxOrder,
    checks: null,
    skipped: [],
    ok: true,
  };
  if (!c.exact) return result;
  const exact = c.exact;
  // each atom's value from the exact solution's symbolic partials
  // (null: larger than EXACT_DERIVATIVE_LIMIT, and the terms reading it are skipped)
  const cache = new Map<number, Expr | null>();
  const atomTree = (i: number): Expr | null => {
    if (cache.has(i)) return cache.get(i)!;
    const a = table.atoms[i];
    const derive = (alpha: number[]): Expr | null => {
      let e = exact[a.output];
      for (let j = 0; j < alpha.length; j++) {
        for (let n = 0; n < alpha[j]; n++) {
          e = total(e, j, table);
          if (size(e, EXACT_DERIVATIVE_LIMIT) > EXACT_DERIVATIVE_LIMIT) return null;
        }
      }
      return e;
    };
    const parts = a.operator
      ? a.operator.map((t) => {
          const p = derive(t.alpha);
          return p && ({ k: '*', a: { k: 'num', v: t.coefficient }, b: p } as Expr);
        })
      : a.lap
        ? a.lap.map((j) => derive(a.alpha.map((v, m) => v + (m === j ? 2 : 0))))
        : [derive(a.alpha)];
    const e = parts.some((p) => p === null) ? null : (parts as Expr[]).reduce((x, y) => ({ k: '+', a: x, b: y }));
    cache.set(i, e);
    return e;
  };
  const q = (problem.unknowns ?? []).map((u) => u.exact);
  const rng = new Rng(7);
  const { lo, hi } = problem.domain;
  result.checks = [];
  for (const r of c.residuals) {
    if (r.kind === 'data') continue;
    const qi = leaves(r.residual, 'q').find((i) => problem.unknowns![i].exact === undefined) ?? -1;
    if (qi >= 0) {
      result.skipped.push(`${r.term.name}: the unknown ${problem.unknowns![qi].name} has no exact value`);
      continue;
    }
    const huge = r.atoms.find((i) => atomTree(i) === null);
    if (huge !== undefined) {
      result.skipped.push(`${r.term.name}: the exact solution's ${names[huge]} is too large to write out (more than ${EXACT_DERIVATIVE_LIMIT} terms)`);
      continue;
    }
    const fixed = r.term.points === 'interior' ? null : r.term.points;
    // a paired term (periodic): the first half are the points, the second their partners
    const half = fixed && r.term.pairs ? fixed.length / 2 : 0;
    const pts = fixed ? fixed.slice(0, half || fixed.length).slice(0, samples) : Array.from({ length: samples }, () => lo.map((l, j) => l + (hi[j] - l) * rng.uniform()));
    let largest = 0;
    let where = pts[0];
    for (const [p, x] of pts.entries()) {
      const atoms: number[] = [];
      let scale = 1;
      for (const i of r.atoms) {
        atoms[i] = evaluate(atomTree(i)!, { x: table.atoms[i].partner ? fixed![p + half] : x, atoms: [] });
        scale += Math.abs(atoms[i]);
      }
      const v = Math.abs(evaluate(r.residual, { x, atoms, q: q as number[] })) / scale;
      if (!(v <= largest)) {
        largest = v;
        where = x;
      }
    }
    result.checks.push({ name: r.term.name, kind: r.kind, largest, at: where, points: pts.length });
    if (!(largest <= EXACT_TOLERANCE)) result.ok = false;
  }
  return result;
}
