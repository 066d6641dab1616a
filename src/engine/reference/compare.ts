/**
 * Error of GPU jets against a reference, per order: max over the batch of
 * |got - ref|, divided by the largest |ref| of that order over the batch
 * (derivatives of different orders differ by many magnitudes).
 * Layout of both: [batch][n+1] (single output).
 */
export function jetErrorsPerOrder(got: ArrayLike<number>, ref: ArrayLike<number>, batch: number, order: number): number[] {
  const n1 = order + 1;
  const errors: number[] = [];
  for (let k = 0; k < n1; k++) {
    let scale = 0;
    let err = 0;
    for (let p = 0; p < batch; p++) {
      const r = ref[p * n1 + k];
      scale = Math.max(scale, Math.abs(r));
      const e = Math.abs(got[p * n1 + k] - r);
      err = Number.isNaN(e) ? Infinity : Math.max(err, e);
    }
    errors.push(scale > 0 ? err / scale : err);
  }
  return errors;
}

/** f32 accumulates rounding through depth and the O(n^2) recurrence: 1e-4 up to n = 6, 1e-3 beyond. */
export function jetTolerance(order: number): number {
  return order <= 6 ? 1e-4 : 1e-3;
}
